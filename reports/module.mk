# reports/: the PDF renderer typesets with cairo + pango (reports/pdf.c);
# the evidence bundle fetches RFC 3161 timestamps with libcurl (reports/bundle.c).
PKGS += pangocairo pango cairo fontconfig libcurl zlib
