/*
 * Fuzz the TLS/SSL/TLCP server-flight parser of the tls probe
 * (probes/tls/wire.c): records, handshake reassembly, ServerHello,
 * Certificate, ServerKeyExchange, alerts, SSLv2 SERVER-HELLO. The first
 * byte picks the SSLv2 mode; the input is fed in two parts, as it arrives
 * from a socket, then finished as at end of stream.
 */
#include "fuzz/fuzz.h"
#include "probes/tls/wire.h"

FUZZ_TARGET(tls_flight)
{
	if (size < 2 || size > (1u << 20))
		return 0;
	bool ssl2 = data[0] & 1;
	size_t split = data[1] % (size - 1);
	data += 2;
	size -= 2;
	struct tls_flight f;
	tls_flight_init(&f);
	if (tls_flight_parse(&f, data, split, ssl2) == TLS_RESP_NEED_MORE) {
		tls_flight_free(&f);
		tls_flight_init(&f);
		if (tls_flight_parse(&f, data, size, ssl2) == TLS_RESP_NEED_MORE)
			tls_flight_finish(&f);
	}
	tls_flight_free(&f);
	return 0;
}
