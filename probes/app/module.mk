# The app probe inflates zip members with zlib and reads signer
# certificates with OpenSSL's libcrypto (in the base PKGS).
PKGS += zlib
