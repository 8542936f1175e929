/*
 * Prints Kafka's error code table (org.apache.kafka.common.protocol.Errors) as JSON, read from the
 * kafka-clients jar itself: an independent source for tests/unit/error_codes.test.ts.
 *
 * Regenerate (Java 17+, single-file program, Kafka jars from the test harness):
 *
 *   bash tests/kafka/kafka.sh --libs broker java tests/kafka/ErrorTable.java > tests/unit/fixtures/kafka_errors.json
 *
 * or with any classpath holding kafka-clients and slf4j-api:
 *
 *   java -cp '/path/to/libs/*' tests/kafka/ErrorTable.java > tests/unit/fixtures/kafka_errors.json
 *
 * "retriable" is whether the error's exception class extends RetriableException, and
 * "invalidMetadata" whether it extends InvalidMetadataException (what the Java producer checks).
 */

import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidMetadataException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class ErrorTable {
    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        out.append("{\n  \"kafkaVersion\": ").append(quote(AppInfoParser.getVersion())).append(",\n  \"errors\": [\n");
        Errors[] all = Errors.values();
        for (int i = 0; i < all.length; i++) {
            Errors e = all[i];
            ApiException ex = e.exception();
            out.append("    {\"code\": ").append(e.code())
                .append(", \"name\": ").append(quote(e.name()))
                .append(", \"exception\": ").append(ex == null ? "null" : quote(ex.getClass().getSimpleName()))
                .append(", \"retriable\": ").append(ex instanceof RetriableException)
                .append(", \"invalidMetadata\": ").append(ex instanceof InvalidMetadataException)
                .append(", \"message\": ").append(e.message() == null ? "null" : quote(e.message()))
                .append(i + 1 < all.length ? "},\n" : "}\n");
        }
        out.append("  ]\n}");
        System.out.println(out);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
