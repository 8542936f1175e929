/*
 * rdkafka_perf: Kafka's ProducerPerformance on librdkafka, for `npm run bench`.
 *
 * Debian packages no librdkafka perf binary (librdkafka-dev ships rdkafka_performance.c only as an
 * example source, whose payload is one fixed pattern and whose latency mode writes a timestamp into
 * every payload), so this small driver does what ProducerPerformance does, on librdkafka's own API:
 *
 *   - the payloads are ProducerPerformance's: a fresh record of random uppercase letters per send,
 *     from java.util.SplittableRandom(0) (byte-identical to the Java tool's, so gzip sees the same data);
 *   - one rd_kafka_produce() per record (RD_KAFKA_MSG_F_COPY, as Java copies into its batch), no key,
 *     librdkafka's default partitioner (sticky for keyless records); on QUEUE_FULL (the queue holds
 *     queue.buffering.max.kbytes, set to Java's buffer.memory by the bench) it polls and retries,
 *     which is where Java's send() blocks;
 *   - latency per record: wall-clock ms taken before produce (Java's sendStartMs) to the delivery
 *     report callback, carried in the message opaque; delivery reports are served by rd_kafka_poll()
 *     every 100 records and while waiting, then rd_kafka_flush();
 *   - the stats are Java's Stats: 500k sampled latencies, window lines every 5 s, and the final line
 *     "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, ...",
 *     elapsed measured up to the end of rd_kafka_destroy() (Java prints after producer.close()).
 *
 * Build: cc -O2 -o rdkafka_perf bench/rdkafka_perf.c -lrdkafka   (Debian: librdkafka-dev)
 * Usage: rdkafka_perf --bootstrap-server HOST:PORT --topic T --num-records N --record-size S [-X key=value]...
 *        rdkafka_perf --version
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- java.util.SplittableRandom(0) ---------------------------------------------------------- */
static uint64_t seed = 0;
static uint32_t next_int32(void) {
        seed += 0x9e3779b97f4a7c15ULL;
        uint64_t z = (seed ^ (seed >> 33)) * 0x62a9d9ed799705f5ULL;
        return (uint32_t)(((z ^ (z >> 28)) * 0xcb24d0a5c88c35b3ULL) >> 32);
}
/* nextInt(26): RandomSupport.boundedNextInt for a bound that is not a power of two. */
static int next_letter(void) {
        int32_t u = (int32_t)(next_int32() >> 1), r;
        while (u + 25 - (r = u % 26) < 0) u = (int32_t)(next_int32() >> 1);
        return r + 65;
}

/* ---- Java's ProducerPerformance.Stats ---------------------------------------------------------- */
static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct {
        int64_t start, window_start;
        int *latencies;
        long sampling, index, iteration, count, window_count;
        int64_t bytes, window_bytes, total_latency, window_total_latency;
        int max_latency, window_max_latency;
} st;
static long failed = 0;
static char first_error[512] = "";

static void stats_init(long num_records) {
        st.start = st.window_start = now_ms();
        long n = num_records < 500000 ? num_records : 500000;
        st.sampling = num_records / (n > 0 ? n : 1);
        st.latencies = calloc((size_t)(num_records / st.sampling + 1), sizeof(int));
}

static void stats_record(int latency, int bytes, int64_t time) {
        st.count++, st.bytes += bytes, st.total_latency += latency;
        if (latency > st.max_latency) st.max_latency = latency;
        st.window_count++, st.window_bytes += bytes, st.window_total_latency += latency;
        if (latency > st.window_max_latency) st.window_max_latency = latency;
        if (st.iteration % st.sampling == 0) st.latencies[st.index++] = latency;
        if (time - st.window_start >= 5000) {
                double elapsed = (double)(now_ms() - st.window_start);
                printf("%ld records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
                       st.window_count, 1000.0 * st.window_count / elapsed,
                       1000.0 * st.window_bytes / elapsed / (1024.0 * 1024.0),
                       (double)st.window_total_latency / st.window_count, (double)st.window_max_latency);
                fflush(stdout);
                st.window_start = now_ms(), st.window_count = 0, st.window_bytes = 0;
                st.window_total_latency = 0, st.window_max_latency = 0;
        }
        st.iteration++;
}

static int cmp_int(const void *a, const void *b) {
        return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static void stats_print_total(void) {
        double elapsed = (double)(now_ms() - st.start);
        qsort(st.latencies, (size_t)st.index, sizeof(int), cmp_int);
        double ps[4] = {0.5, 0.95, 0.99, 0.999};
        int pv[4] = {0, 0, 0, 0};
        for (int i = 0; i < 4 && st.index > 0; i++) pv[i] = st.latencies[(long)(ps[i] * st.index)];
        printf("%ld records sent, %.6f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
               "%d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
               st.count, 1000.0 * st.count / elapsed, 1000.0 * st.bytes / elapsed / (1024.0 * 1024.0),
               st.count ? (double)st.total_latency / st.count : 0.0, (double)st.max_latency, pv[0], pv[1],
               pv[2], pv[3]);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk, (void)opaque;
        int64_t now = now_ms();
        if (m->err) {
                if (failed++ == 0) snprintf(first_error, sizeof first_error, "%s", rd_kafka_err2str(m->err));
                return;
        }
        stats_record((int)(now - (int64_t)(intptr_t)m->_private), (int)m->len, now);
}

static void die(const char *what) {
        fprintf(stderr, "rdkafka_perf: %s\n", what);
        exit(1);
}

int main(int argc, char **argv) {
        const char *bootstrap = NULL, *topic = NULL;
        long num_records = -1;
        int record_size = -1;
        double throughput = -1; /* records/s, as Java's --throughput; -1: as fast as it goes */
        char err[512];
        if (argc == 2 && !strcmp(argv[1], "--version")) {
                printf("librdkafka %s\n", rd_kafka_version_str());
                return 0;
        }
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!v) die("every option needs a value");
                if (!strcmp(a, "--bootstrap-server")) bootstrap = v;
                else if (!strcmp(a, "--topic")) topic = v;
                else if (!strcmp(a, "--num-records")) num_records = atol(v);
                else if (!strcmp(a, "--record-size")) record_size = atoi(v);
                else if (!strcmp(a, "--throughput")) throughput = atof(v);
                else if (!strcmp(a, "-X")) {
                        char kv[512];
                        snprintf(kv, sizeof kv, "%s", v);
                        char *eq = strchr(kv, '=');
                        if (!eq) die("-X needs key=value");
                        *eq = 0;
                        if (rd_kafka_conf_set(conf, kv, eq + 1, err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
                } else die("unknown option (usage: --bootstrap-server B --topic T --num-records N --record-size S [--throughput R] [-X k=v]...)");
                i++;
        }
        if (!bootstrap || !topic || num_records <= 0 || record_size <= 0)
                die("--bootstrap-server, --topic, --num-records and --record-size are required");
        if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) die(err);
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        fprintf(stderr, "rdkafka_perf: librdkafka %s\n", rd_kafka_version_str());

        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        if (!rk) die(err);
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        char *payload = malloc((size_t)record_size);

        stats_init(num_records);
        int64_t started = now_ms();
        for (long i = 0; i < num_records; i++) {
                /* Java's ThroughputThrottler: when ahead of i / throughput, wait (serving delivery reports). */
                if (throughput > 0) {
                        int64_t due = started + (int64_t)(i * 1000.0 / throughput);
                        while (now_ms() < due) rd_kafka_poll(rk, (int)(due - now_ms()));
                }
                for (int j = 0; j < record_size; j++) payload[j] = (char)next_letter();
                int64_t send_start = now_ms();
                while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, (size_t)record_size,
                                        NULL, 0, (void *)(intptr_t)send_start) == -1) {
                        rd_kafka_resp_err_t e = rd_kafka_last_error();
                        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die(rd_kafka_err2str(e));
                        rd_kafka_poll(rk, 1); /* Java's send() blocks on buffer.memory here */
                }
                if (i % 100 == 99) rd_kafka_poll(rk, 0);
        }
        while (rd_kafka_outq_len(rk) > 0) rd_kafka_poll(rk, 100);
        rd_kafka_flush(rk, -1);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        stats_print_total();
        if (failed) {
                fprintf(stderr, "rdkafka_perf: %ld of %ld records failed (first: %s)\n", failed, num_records, first_error);
                return 1;
        }
        return 0;
}
