# The pan probe reads archives with libarchive (zip, tar, gzip, bzip2, xz).
PKGS += libarchive liblzma

# The labelled-corpus generator (fixtures/pan/gen.c) is a program of its
# own; the pan suites run it, so they are built after it.
$(BUILD)/pan-gen: fixtures/pan/gen.c $(BUILD)/libassay.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libassay.a $(LIBS)

$(BUILD)/tests/test_pan: $(BUILD)/pan-gen
$(BUILD)/tests/test_pan_corpus: $(BUILD)/pan-gen
$(BUILD)/tests/hostile/test_hostile: $(BUILD)/pan-gen

# bench/pan.sh generates its input with pan-gen
bench: $(BUILD)/pan-gen

# tests/test_pan_secrets.c makes its keys with openssl and ssh-keygen
# (fixtures/pan/keys.sh) and its captures with pcap-gen
$(BUILD)/tests/test_pan_secrets: $(BUILD)/pcap-gen
