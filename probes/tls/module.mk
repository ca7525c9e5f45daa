# The TLS probe links libssl for its OpenSSL engine (libcrypto is in the base PKGS).
PKGS += libssl
