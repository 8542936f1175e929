/*
 * Record batch v2 vectors made by Kafka's own record classes (kafka-clients 4.4.0), to check
 * edgekafka's batch encoder (src/producer/batch.ts, src/protocol/record_batch.ts) against an
 * independent implementation (tests/unit/record_batch.test.ts).
 *
 * Input (a file, or "-" for stdin): the cases of tests/unit/support/record_batch_cases.ts, each with
 * its records (keys/values/header values as hex, null allowed), the producer identity, and the two
 * batches edgekafka encodes for it ("ours" uncompressed, "oursGzip" with compression.type=gzip).
 * Regenerate the fixture (from the repository root, Java 17+):
 *
 *   ./node_modules/.bin/bun tests/unit/support/record_batch_cases.ts \
 *     | bash tests/kafka/kafka.sh --libs broker java tests/kafka/RecordBatchVectors.java - \
 *     > tests/unit/fixtures/record_batch_vectors.json
 *
 * For every case the output holds:
 *  - "javaHex": the batch Java's producer path builds for the records, uncompressed: MemoryRecords.builder
 *    (magic 2, CREATE_TIME, base offset 0), append(timestamp, key, value, headers) per record, then
 *    setProducerState(producerId, epoch, baseSequence, transactional) as the Java Sender does at drain
 *    time. The program checks that MemoryRecords.withRecords(...) gives the same bytes.
 *  - "javaGzipHex": the same with Compression.gzip() (gzip bytes differ between implementations, so
 *    this is only for decoding with edgekafka's reader).
 *  - "oursGzip": edgekafka's gzip batch as given in the input, and "oursGzipDecoded": what
 *    MemoryRecords.readableRecords makes of it (batch fields, CRC validity from ensureValid(), every
 *    record), so the test can compare it with the case's records. (Our uncompressed batch, "ours" in
 *    the input, is only compared with javaHex here: a difference is reported on stderr; the unit test
 *    compares the encoder's current output with javaHex byte for byte.)
 * JSON has no int64: producer ids are strings; timestamps stay below 2^53 and are plain numbers.
 */

import java.io.File;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class RecordBatchVectors {
    static final ObjectMapper JSON = new ObjectMapper();

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder(b.length * 2);
        for (byte x : b) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    static String hex(ByteBuffer buf) {
        if (buf == null) return null;
        byte[] b = new byte[buf.remaining()];
        buf.duplicate().get(b);
        return hex(b);
    }

    static byte[] unhex(JsonNode n) {
        if (n == null || n.isNull()) return null;
        String h = n.asText();
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(i * 2, i * 2 + 2), 16);
        return b;
    }

    static SimpleRecord[] records(JsonNode c) {
        List<SimpleRecord> out = new ArrayList<>();
        for (JsonNode r : c.get("records")) {
            List<Header> headers = new ArrayList<>();
            for (JsonNode h : r.get("headers")) headers.add(new RecordHeader(h.get(0).asText(), unhex(h.get(1))));
            out.add(new SimpleRecord(r.get("timestamp").asLong(), unhex(r.get("key")), unhex(r.get("value")),
                headers.toArray(new Header[0])));
        }
        return out.toArray(new SimpleRecord[0]);
    }

    /** The Java producer's path: ProducerBatch's builder, then the Sender's setProducerState. */
    static byte[] build(JsonNode c, Compression compression) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE,
            compression, TimestampType.CREATE_TIME, 0L);
        for (SimpleRecord r : records(c)) builder.append(r.timestamp(), r.key(), r.value(), r.headers());
        long producerId = Long.parseLong(c.get("producerId").asText());
        if (producerId >= 0) {
            builder.setProducerState(producerId, (short) c.get("producerEpoch").asInt(), c.get("baseSequence").asInt(),
                c.get("transactional").asBoolean());
        }
        ByteBuffer buf = builder.build().buffer();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    /** MemoryRecords.withRecords for the same input: must agree with build(). */
    static byte[] withRecords(JsonNode c, Compression compression) {
        MemoryRecords mr = MemoryRecords.withRecords(RecordBatch.CURRENT_MAGIC_VALUE, 0L, compression, TimestampType.CREATE_TIME,
            Long.parseLong(c.get("producerId").asText()), (short) c.get("producerEpoch").asInt(), c.get("baseSequence").asInt(),
            RecordBatch.NO_PARTITION_LEADER_EPOCH, c.get("transactional").asBoolean(), records(c));
        ByteBuffer buf = mr.buffer();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    /** What Kafka reads from bytes we wrote. */
    static ArrayNode decode(byte[] bytes) {
        ArrayNode batches = JSON.createArrayNode();
        MemoryRecords mr = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
        for (RecordBatch b : mr.batches()) {
            ObjectNode o = batches.addObject();
            boolean valid;
            String invalid = null;
            try {
                b.ensureValid();
                valid = true;
            } catch (RuntimeException e) {
                valid = false;
                invalid = e.getMessage();
            }
            o.put("crcValid", valid);
            if (invalid != null) o.put("invalid", invalid);
            o.put("magic", b.magic());
            o.put("compressionType", b.compressionType().id);
            o.put("transactional", b.isTransactional());
            o.put("controlBatch", b.isControlBatch());
            o.put("timestampType", b.timestampType().toString());
            o.put("producerId", Long.toString(b.producerId()));
            o.put("producerEpoch", b.producerEpoch());
            o.put("baseSequence", b.baseSequence());
            o.put("lastSequence", b.lastSequence());
            o.put("baseOffset", b.baseOffset());
            o.put("lastOffset", b.lastOffset());
            o.put("maxTimestamp", b.maxTimestamp());
            o.put("partitionLeaderEpoch", b.partitionLeaderEpoch());
            o.put("count", b.countOrNull());
            o.put("sizeInBytes", b.sizeInBytes());
            o.put("checksum", b.checksum());
            ArrayNode recs = o.putArray("records");
            for (Record r : b) {
                ObjectNode ro = recs.addObject();
                ro.put("offset", r.offset());
                ro.put("timestamp", r.timestamp());
                ro.put("key", r.hasKey() ? hex(r.key()) : null);
                ro.put("value", r.hasValue() ? hex(r.value()) : null);
                ArrayNode hs = ro.putArray("headers");
                for (Header h : r.headers()) {
                    ArrayNode ho = hs.addArray();
                    ho.add(h.key());
                    if (h.value() == null) ho.addNull(); else ho.add(hex(h.value()));
                }
            }
        }
        return batches;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: RecordBatchVectors.java INPUT.json|-");
            System.exit(2);
        }
        JsonNode input = args[0].equals("-") ? JSON.readTree(System.in) : JSON.readTree(new File(args[0]));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>();
        for (JsonNode c : input.get("cases")) {
            byte[] java = build(c, Compression.NONE);
            byte[] viaWithRecords = withRecords(c, Compression.NONE);
            if (!Arrays.equals(java, viaWithRecords)) {
                throw new IllegalStateException("MemoryRecordsBuilder and MemoryRecords.withRecords disagree for case "
                    + c.get("name").asText());
            }
            ObjectNode o = JSON.createObjectNode();
            o.put("name", c.get("name").asText());
            o.put("producerId", c.get("producerId").asText());
            o.put("producerEpoch", c.get("producerEpoch").asInt());
            o.put("baseSequence", c.get("baseSequence").asInt());
            o.put("transactional", c.get("transactional").asBoolean());
            o.set("records", c.get("records"));
            o.put("javaHex", hex(java));
            o.put("javaGzipHex", hex(build(c, Compression.gzip().build())));
            if (!c.get("ours").asText().equals(hex(java))) {
                // Not fatal: the unit test reports the difference precisely.
                System.err.println("RecordBatchVectors: edgekafka's uncompressed batch differs from Java's for case "
                    + c.get("name").asText());
            }
            o.put("oursGzip", c.get("oursGzip").asText());
            o.set("oursGzipDecoded", decode(unhex(c.get("oursGzip"))));
            lines.add(JSON.writeValueAsString(o));
        }
        out.println("{");
        out.println("\"kafkaVersion\": \"" + AppInfoParser.getVersion() + "\",");
        out.println("\"cases\": [");
        for (int i = 0; i < lines.size(); i++) out.println(lines.get(i) + (i + 1 < lines.size() ? "," : ""));
        out.println("]");
        out.println("}");
    }
}
