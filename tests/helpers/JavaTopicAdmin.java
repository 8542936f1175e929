/*
 * Places, moves and deletes a topic with Kafka's own Admin client (kafka-clients of the broker's
 * version), for tests that need a partition on a chosen broker (Kafka's reassignment tool does not
 * run on the tools classpath kafka.sh provides). Returns once the controller accepted the change;
 * the caller waits until the brokers show it.
 *
 *   bash tests/kafka/kafka.sh --brokers 3 java tests/helpers/JavaTopicAdmin.java create BOOTSTRAP TOPIC BROKER
 *   bash tests/kafka/kafka.sh --brokers 3 java tests/helpers/JavaTopicAdmin.java move BOOTSTRAP TOPIC BROKER
 *   bash tests/kafka/kafka.sh --brokers 3 java tests/helpers/JavaTopicAdmin.java delete BOOTSTRAP TOPIC
 *
 * create: TOPIC with one partition whose only replica is BROKER; move: partition 0's replicas
 * become [BROKER] (a reassignment: the leader changes, its epoch grows); delete: TOPIC is deleted.
 */

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;

public class JavaTopicAdmin {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) throw new IllegalArgumentException("usage: create|move|delete BOOTSTRAP TOPIC [BROKER]");
    String command = args[0], topic = args[2];
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", args[1]))) {
      switch (command) {
        case "create" -> admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(Integer.parseInt(args[3])))))).all().get();
        case "move" -> admin.alterPartitionReassignments(Map.of(new TopicPartition(topic, 0),
            Optional.of(new NewPartitionReassignment(List.of(Integer.parseInt(args[3])))))).all().get();
        case "delete" -> admin.deleteTopics(List.of(topic)).all().get();
        default -> throw new IllegalArgumentException("unknown command " + command);
      }
    }
    System.out.println(command + " ok");
  }
}
