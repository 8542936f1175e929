// Produces records with arbitrary byte keys/values through Java's own KafkaProducer (default
// partitioner: murmur2 of the key bytes), for tests that compare edgekafka's partition choice with
// Java's where ConsoleProducer cannot help (it reads UTF-8 text lines).
//
//   bash tests/kafka/kafka.sh java tests/helpers/JavaBytesProducer.java BOOTSTRAP TOPIC < records
//
// stdin: one record per line, "KEYHEX VALUEHEX" ("-" = null, "." = empty). stdout: one JSON line per
// record, in input order: {"partition":P,"offset":O,"timestamp":T} from Java's RecordMetadata.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class JavaBytesProducer {
    static byte[] unhex(String s) {
        if (s.equals("-")) return null;
        if (s.equals(".")) return new byte[0];
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("linger.ms", "5");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] parts = line.trim().split(" ");
                futures.add(producer.send(new ProducerRecord<>(args[1], unhex(parts[0]), unhex(parts[1]))));
            }
            producer.flush();
            StringBuilder out = new StringBuilder();
            for (Future<RecordMetadata> f : futures) {
                RecordMetadata md = f.get();
                out.append("{\"partition\":").append(md.partition()).append(",\"offset\":").append(md.offset())
                        .append(",\"timestamp\":").append(md.timestamp()).append("}\n");
            }
            System.out.print(out);
        }
    }
}
