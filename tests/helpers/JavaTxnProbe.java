/*
 * The reference: what Java's KafkaProducer (kafka-clients of the broker's
 * version) does in the transactional situations tests/e2e/transactions_*.test.ts
 * put edgekafka in. Prints one line per step: "STEP ok" or "STEP Class<CauseClass>"
 * (simple class names of the exception and its causes; ExecutionException unwrapped).
 *
 *   bash tests/kafka/kafka.sh [--transaction-version 1] java tests/helpers/JavaTxnProbe.java MODE BOOTSTRAP TOPIC TXN_ID [SMALL_TOPIC]
 *
 * MODE (several, comma-separated, run one after the other: steps are then prefixed "MODE:" and
 * each mode uses TXN_ID-MODE):
 *   fence      A commits a transaction; B (same transactional.id) initTransactions;
 *              A: begin, send, commit, begin, abort, then begin/send/commit again; B: a transaction.
 *   toolarge   (max.request.size=2000) send a small record, then a 5000-byte one, commit, abort, next transaction.
 *   brokerfail send a small record to TOPIC and a 5000-byte one to SMALL_TOPIC (max.message.bytes=1000),
 *              commit, abort, next transaction.
 *   serfail    the value serializer throws for the value "boom": send "ok1", "boom", "ok2", commit.
 */

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

public class JavaTxnProbe {
  static KafkaProducer<byte[], byte[]> make(String bootstrap, String txnId, Map<String, Object> extra, Serializer<byte[]> values) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("transactional.id", txnId);
    p.put("max.block.ms", "20000");
    p.put("delivery.timeout.ms", "30000");
    p.put("request.timeout.ms", "15000");
    p.putAll(extra);
    return new KafkaProducer<>(p, new ByteArraySerializer(), values);
  }

  static String describe(Throwable t) {
    String s = t.getClass().getSimpleName();
    Throwable c = t.getCause();
    if (c != null && c != t) s += "<" + describe(c) + ">";
    return s;
  }

  static void step(String name, Callable<Object> c) {
    try {
      c.call();
      System.out.println(prefix + name + " ok");
    } catch (Throwable t) {
      Throwable e = (t instanceof ExecutionException && t.getCause() != null) ? t.getCause() : t;
      System.out.println(prefix + name + " " + describe(e));
    }
    System.out.flush();
  }

  static ProducerRecord<byte[], byte[]> rec(String topic, String value) {
    return new ProducerRecord<>(topic, 0, "k".getBytes(), value.getBytes());
  }

  static String prefix = "";

  public static void main(String[] a) throws Exception {
    String[] modes = a[0].split(",");
    for (String mode : modes) {
      prefix = modes.length > 1 ? mode + ":" : "";
      run(mode, a[1], a[2], a[3] + (modes.length > 1 ? "-" + mode : ""), a.length > 4 ? a[4] : null);
    }
  }

  static void run(String mode, String bootstrap, String topic, String txnId, String smallTopic) throws Exception {
    ByteArraySerializer plain = new ByteArraySerializer();
    switch (mode) {
      case "fence": {
        KafkaProducer<byte[], byte[]> A = make(bootstrap, txnId, Map.of(), plain);
        A.initTransactions();
        A.beginTransaction();
        step("A-send1", () -> A.send(rec(topic, "a1")).get());
        step("A-commit1", () -> { A.commitTransaction(); return null; });
        KafkaProducer<byte[], byte[]> B = make(bootstrap, txnId, Map.of(), plain);
        step("B-init", () -> { B.initTransactions(); return null; });
        step("A-begin2", () -> { A.beginTransaction(); return null; });
        step("A-send2", () -> A.send(rec(topic, "a2")).get());
        step("A-commit2", () -> { A.commitTransaction(); return null; });
        step("A-begin-after-commit", () -> { A.beginTransaction(); return null; });
        step("A-abort2", () -> { A.abortTransaction(); return null; });
        step("A-begin3", () -> { A.beginTransaction(); return null; });
        step("A-send3", () -> A.send(rec(topic, "a3")).get());
        step("A-commit3", () -> { A.commitTransaction(); return null; });
        step("A-abort3", () -> { A.abortTransaction(); return null; });
        step("B-begin", () -> { B.beginTransaction(); return null; });
        step("B-send", () -> B.send(rec(topic, "b1")).get());
        step("B-commit", () -> { B.commitTransaction(); return null; });
        A.close();
        B.close();
        break;
      }
      case "toolarge": {
        KafkaProducer<byte[], byte[]> p = make(bootstrap, txnId, Map.of("max.request.size", "2000"), plain);
        p.initTransactions();
        p.beginTransaction();
        step("send-small", () -> p.send(rec(topic, "small")).get());
        step("send-big", () -> p.send(new ProducerRecord<>(topic, 0, "k".getBytes(), new byte[5000])).get());
        step("commit", () -> { p.commitTransaction(); return null; });
        step("abort", () -> { p.abortTransaction(); return null; });
        step("begin2", () -> { p.beginTransaction(); return null; });
        step("send2", () -> p.send(rec(topic, "after")).get());
        step("commit2", () -> { p.commitTransaction(); return null; });
        p.close();
        break;
      }
      case "brokerfail": {
        String small = smallTopic;
        KafkaProducer<byte[], byte[]> p = make(bootstrap, txnId, Map.of(), plain);
        p.initTransactions();
        p.beginTransaction();
        step("send-ok", () -> p.send(rec(topic, "ok")).get());
        step("send-big", () -> p.send(new ProducerRecord<>(small, 0, "k".getBytes(), new byte[5000])).get());
        step("commit", () -> { p.commitTransaction(); return null; });
        step("abort", () -> { p.abortTransaction(); return null; });
        step("begin2", () -> { p.beginTransaction(); return null; });
        step("send2", () -> p.send(rec(topic, "after")).get());
        step("commit2", () -> { p.commitTransaction(); return null; });
        p.close();
        break;
      }
      case "serfail": {
        Serializer<byte[]> failing = (t, v) -> {
          if (v != null && new String(v).equals("boom")) throw new SerializationException("boom");
          return v;
        };
        KafkaProducer<byte[], byte[]> p = make(bootstrap, txnId, Map.of(), failing);
        p.initTransactions();
        p.beginTransaction();
        step("send-ok1", () -> p.send(rec(topic, "ok1")).get());
        step("send-boom", () -> p.send(rec(topic, "boom")).get());
        step("send-ok2", () -> p.send(rec(topic, "ok2")).get());
        step("commit", () -> { p.commitTransaction(); return null; });
        p.close();
        break;
      }
      default:
        throw new IllegalArgumentException("Unknown mode " + mode);
    }
  }
}
