// Reference vectors for edgekafka's murmur2 key partitioner, computed by Kafka's own Java code.
//
//   bash tests/kafka/kafka.sh java tests/kafka/Murmur2Vectors.java [--no-builtin] [--binary SEED] [--array] [KEY ...]
//
// For every key (the built-in ones below, then each command-line argument, taken as a UTF-8 string)
// prints one JSON line:
//   {"key":"abc","murmur2":-1234567,"p":{"1":0,"3":2,"6":5,"7":1,"100":43}}
// where murmur2 = org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(UTF_8)) (signed int) and
// p[N] = Utils.toPositive(murmur2) % N, which is what the Java producer's BuiltInPartitioner uses for
// a keyed record on a topic with N partitions.
//
// --binary SEED adds binary keys (not necessarily UTF-8) after the string keys: for every length 0..40,
// three keys from java.util.Random(SEED).nextBytes, printed with "keyHex" instead of "key":
//   {"keyHex":"9f00e1","murmur2":...,"p":{...}}
// --array wraps the lines in a JSON array (one element per line), so the output is one JSON document.
// The unit test's fixture is made with:
//   bash tests/kafka/kafka.sh --libs broker java tests/kafka/Murmur2Vectors.java --binary 20240611 --array \
//     > tests/unit/fixtures/murmur2_vectors.json
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Utils;

public class Murmur2Vectors {
    static final int[] PARTITION_COUNTS = {1, 3, 6, 7, 100};

    static List<String> builtinKeys() {
        StringBuilder hundred = new StringBuilder();
        while (hundred.length() < 100) {
            hundred.append("0123456789abcdefghijklmnopqrstuvwxyz");
        }
        List<String> keys = new ArrayList<>();
        keys.add("");
        keys.add("a");
        keys.add("ab");
        keys.add("abc");
        keys.add("abcd");
        keys.add("abcde");
        keys.add("hello");
        keys.add("kafka");
        keys.add("key-0");
        keys.add("key-1");
        keys.add("The quick brown fox jumps over the lazy dog");
        keys.add(hundred.substring(0, 100));
        keys.add("ключ");
        keys.add("键");
        keys.add("🔑");
        keys.add("naïve café ☕ 🔑");
        return keys;
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c); // non-ASCII stays as UTF-8 text (stdout is UTF-8 below)
                    }
            }
        }
        return b.append('"').toString();
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }

    /** One JSON line; keyField is the already-written `"key":...` or `"keyHex":...` member. */
    static String line(String keyField, byte[] bytes) {
        int h = Utils.murmur2(bytes);
        StringBuilder line = new StringBuilder();
        line.append('{').append(keyField).append(",\"murmur2\":").append(h).append(",\"p\":{");
        for (int i = 0; i < PARTITION_COUNTS.length; i++) {
            int n = PARTITION_COUNTS[i];
            if (i > 0) {
                line.append(',');
            }
            line.append('"').append(n).append("\":").append(Utils.toPositive(h) % n);
        }
        line.append("}}");
        return line.toString();
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        List<String> keys = new ArrayList<>();
        boolean builtin = true;
        boolean array = false;
        Long binarySeed = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--no-builtin")) {
                builtin = false;
            } else if (a.equals("--array")) {
                array = true;
            } else if (a.equals("--binary") && i + 1 < args.length) {
                binarySeed = Long.parseLong(args[++i]);
            } else {
                keys.add(a);
            }
        }
        if (builtin) {
            keys.addAll(0, builtinKeys());
        }
        List<String> lines = new ArrayList<>();
        for (String key : keys) {
            lines.add(line("\"key\":" + json(key), key.getBytes(StandardCharsets.UTF_8)));
        }
        if (binarySeed != null) {
            java.util.Random random = new java.util.Random(binarySeed);
            for (int length = 0; length <= 40; length++) {
                for (int k = 0; k < 3; k++) {
                    byte[] b = new byte[length];
                    random.nextBytes(b);
                    lines.add(line("\"keyHex\":\"" + hex(b) + "\"", b));
                }
            }
        }
        if (array) {
            out.println("[");
            for (int i = 0; i < lines.size(); i++) {
                out.println(lines.get(i) + (i + 1 < lines.size() ? "," : ""));
            }
            out.println("]");
        } else {
            for (String l : lines) {
                out.println(l);
            }
        }
    }
}
