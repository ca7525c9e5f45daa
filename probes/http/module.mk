# The http probe: libcurl for every request (its URL API too); libxml2's
# HTML parser (libxml-2.0) and OpenSSL are in the base PKGS.
PKGS += libcurl
