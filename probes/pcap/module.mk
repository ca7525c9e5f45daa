# The pcap probe reads and captures with libpcap and reads gzip captures with zlib.
PKGS += libpcap zlib

# The capture generator (fixtures/pcap/gen.c) crafts the pcaps the tests,
# the bench and the demo read; the pcap suite runs it, so it is built first.
$(BUILD)/pcap-gen: fixtures/pcap/gen.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(shell pkg-config --libs libpcap zlib)

$(BUILD)/tests/test_pcap: $(BUILD)/pcap-gen

# bench/pcap.sh generates its capture with pcap-gen
bench: $(BUILD)/pcap-gen
