/*
 * Kafka's own record codecs (the broker's kafka-clients jar, with lz4-java, snappy-java and zstd-jni) as
 * the reference for edgekafka's: one single-file program, run with the broker's classpath.
 *
 *   bash tests/kafka/kafka.sh --libs broker java tests/kafka/CodecVectors.java vectors INPUT.json|-
 *     INPUT: {"cases": [{"name": "...", "data": BASE64}, ...]}
 *     prints {"levels": {codec: {min, max, default}}, "vectors": [{"name", "codec", "level", "output"}]}:
 *     each case compressed by Kafka's Compression (as its producer writes a batch's records) with snappy,
 *     lz4 at its default level (lz4-java's fast compressor) and at levels 1 and 12 (its HC compressor),
 *     and zstd at its default level. tests/unit/fixtures/codec_vectors.json is this output for the
 *     cases of tests/unit/support/codec_cases.ts.
 *
 *   bash tests/kafka/kafka.sh --libs broker java tests/kafka/CodecVectors.java check INPUT.json|-
 *     INPUT: {"cases": [{"name", "codec", "input": BASE64, "output": BASE64}, ...]}
 *     decompresses each output with Kafka's codec (as the broker and the Java consumer read a batch) and
 *     compares it with its input; prints {"checked": N, "failed": ["name: why", ...]}, exits 1 if any failed.
 */

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;

public class CodecVectors {
    static final ObjectMapper JSON = new ObjectMapper();

    static Compression compression(String codec, Integer level) {
        switch (codec) {
            case "gzip": return level == null ? Compression.gzip().build() : Compression.gzip().level(level).build();
            case "snappy": return Compression.snappy().build();
            case "lz4": return level == null ? Compression.lz4().build() : Compression.lz4().level(level).build();
            case "zstd": return level == null ? Compression.zstd().build() : Compression.zstd().level(level).build();
            default: throw new IllegalArgumentException("unknown codec " + codec);
        }
    }

    static byte[] compress(Compression c, byte[] data) throws Exception {
        ByteBufferOutputStream buffer = new ByteBufferOutputStream(1024);
        try (OutputStream out = c.wrapForOutput(buffer, RecordBatch.CURRENT_MAGIC_VALUE)) {
            out.write(data);
        }
        ByteBuffer b = buffer.buffer();
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static byte[] decompress(Compression c, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = c.wrapForInput(ByteBuffer.wrap(data), RecordBatch.CURRENT_MAGIC_VALUE, BufferSupplier.create())) {
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) > 0; ) out.write(chunk, 0, n);
        }
        return out.toByteArray();
    }

    static ObjectNode levels() {
        ObjectNode levels = JSON.createObjectNode();
        for (CompressionType t : new CompressionType[] {CompressionType.GZIP, CompressionType.LZ4, CompressionType.ZSTD}) {
            ObjectNode l = levels.putObject(t.name);
            l.put("min", t.minLevel());
            l.put("max", t.maxLevel());
            l.put("default", t.defaultLevel());
        }
        return levels;
    }

    static void vectors(JsonNode input) throws Exception {
        Object[][] settings = {{"snappy", null}, {"lz4", null}, {"lz4", 1}, {"lz4", 12}, {"zstd", null}};
        ObjectNode result = JSON.createObjectNode();
        result.set("levels", levels());
        ArrayNode vectors = result.putArray("vectors");
        Base64.Encoder b64 = Base64.getEncoder();
        for (JsonNode c : input.get("cases")) {
            byte[] data = Base64.getDecoder().decode(c.get("data").asText());
            for (Object[] s : settings) {
                Compression compression = compression((String) s[0], (Integer) s[1]);
                byte[] out = compress(compression, data);
                if (!Arrays.equals(decompress(compression, out), data)) throw new IllegalStateException("Kafka's own round trip failed");
                ObjectNode v = vectors.addObject();
                v.put("name", c.get("name").asText());
                v.put("codec", (String) s[0]);
                if (s[1] == null) v.putNull("level"); else v.put("level", (Integer) s[1]);
                v.put("output", b64.encodeToString(out));
            }
        }
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }

    static int check(JsonNode input) {
        int checked = 0;
        ArrayNode failed = JSON.createArrayNode();
        Base64.Decoder b64 = Base64.getDecoder();
        for (JsonNode c : input.get("cases")) {
            String name = c.get("name").asText() + " (" + c.get("codec").asText() + ")";
            checked++;
            try {
                byte[] expected = b64.decode(c.get("input").asText());
                byte[] got = decompress(compression(c.get("codec").asText(), null), b64.decode(c.get("output").asText()));
                if (!Arrays.equals(expected, got)) failed.add(name + ": " + got.length + " bytes differ from the " + expected.length + " compressed");
            } catch (Exception e) {
                failed.add(name + ": " + e);
            }
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("checked", checked);
        result.set("failed", failed);
        result.set("levels", levels());
        System.out.println(result.toString());
        return failed.size() == 0 ? 0 : 1;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !(args[0].equals("vectors") || args[0].equals("check"))) {
            System.err.println("usage: CodecVectors.java vectors|check INPUT.json|-");
            System.exit(2);
        }
        JsonNode input = args[1].equals("-") ? JSON.readTree(System.in) : JSON.readTree(new File(args[1]));
        if (args[0].equals("vectors")) vectors(input); else System.exit(check(input));
    }
}
