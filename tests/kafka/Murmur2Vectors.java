// Reference vectors for edgekafka's murmur2 key partitioner, computed by Kafka's own Java code.
//
//   bash tests/kafka/kafka.sh java tests/kafka/Murmur2Vectors.java [--no-builtin] [KEY ...]
//
// For every key (the built-in ones below, then each command-line argument, taken as a UTF-8 string)
// prints one JSON line:
//   {"key":"abc","murmur2":-1234567,"p":{"1":0,"3":2,"6":5,"7":1,"100":43}}
// where murmur2 = org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(UTF_8)) (signed int) and
// p[N] = Utils.toPositive(murmur2) % N, which is what the Java producer's BuiltInPartitioner uses for
// a keyed record on a topic with N partitions.
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

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        List<String> keys = new ArrayList<>();
        boolean builtin = true;
        for (String a : args) {
            if (a.equals("--no-builtin")) {
                builtin = false;
            } else {
                keys.add(a);
            }
        }
        if (builtin) {
            keys.addAll(0, builtinKeys());
        }
        for (String key : keys) {
            int h = Utils.murmur2(key.getBytes(StandardCharsets.UTF_8));
            StringBuilder line = new StringBuilder();
            line.append("{\"key\":").append(json(key)).append(",\"murmur2\":").append(h).append(",\"p\":{");
            for (int i = 0; i < PARTITION_COUNTS.length; i++) {
                int n = PARTITION_COUNTS[i];
                if (i > 0) {
                    line.append(',');
                }
                line.append('"').append(n).append("\":").append(Utils.toPositive(h) % n);
            }
            line.append("}}");
            out.println(line);
        }
    }
}
