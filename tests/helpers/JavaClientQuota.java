// Sets (or, with RATE "-", removes) a client-id's producer_byte_rate quota with Kafka's Admin API — what
// `kafka-configs --alter --add-config producer_byte_rate=RATE --entity-type clients --entity-name ID` does
// (ConfigCommand is in neither classpath kafka.sh runs with) — and waits until the broker describes it.
// Run by tests/e2e/quota.test.ts as
//
//   kafka.sh java tests/helpers/JavaClientQuota.java BOOTSTRAP CLIENT_ID RATE|-
//
// Prints the quotas the broker then describes for CLIENT_ID, e.g. {producer_byte_rate=1048576.0}.
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;

public class JavaClientQuota {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) throw new IllegalArgumentException("usage: JavaClientQuota BOOTSTRAP CLIENT_ID RATE|-");
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        String clientId = args[1];
        Double rate = args[2].equals("-") ? null : Double.valueOf(args[2]);
        ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId));
        ClientQuotaAlteration.Op op = new ClientQuotaAlteration.Op("producer_byte_rate", rate);
        ClientQuotaFilter filter = ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.CLIENT_ID, clientId)));
        try (Admin admin = Admin.create(props)) {
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity, List.of(op)))).all().get();
            for (int i = 0; ; i++) {
                Map<ClientQuotaEntity, Map<String, Double>> now = admin.describeClientQuotas(filter).entities().get();
                Map<String, Double> quotas = now.getOrDefault(entity, Map.of());
                boolean applied = rate == null ? !quotas.containsKey("producer_byte_rate") : rate.equals(quotas.get("producer_byte_rate"));
                if (applied) {
                    System.out.println(quotas);
                    return;
                }
                if (i >= 100) throw new IllegalStateException("The broker does not describe the quota for " + clientId + ": " + now);
                Thread.sleep(100);
            }
        }
    }
}
