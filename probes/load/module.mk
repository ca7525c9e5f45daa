# The load probe: OpenSSL for https:// targets (libssl; libcrypto is in the
# base PKGS) and nghttp2 for HTTP/2.
PKGS += libssl libnghttp2
