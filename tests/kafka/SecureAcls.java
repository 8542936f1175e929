// Creates the ACLs of the `secure` cluster of tests/kafka/kafka.sh with Kafka's Admin API (4.4 clients on
// the broker classpath: the 4.3.1 AclCommand of the tools classpath needs kafka-server, which that
// classpath leaves out). Run by kafka.sh as
//
//   java -cp '<broker libs>/*' tests/kafka/SecureAcls.java BOOTSTRAP ADMIN_PROPERTIES PRINCIPAL PREFIX
//
// PRINCIPAL (User:alice) may, on resources whose names start with PREFIX (alice-):
//   topics:            Write, Describe, Read (read back what it wrote)
//   transactional ids: Write, Describe
// and nothing else. Idempotent producers need no cluster ACL: since Kafka 3.0 (KIP-679) Write on any
// topic implies IdempotentWrite. Prints each binding on stdout.
import java.io.FileInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class SecureAcls {
    public static void main(String[] args) throws Exception {
        if (args.length != 4) throw new IllegalArgumentException("usage: SecureAcls BOOTSTRAP ADMIN_PROPERTIES PRINCIPAL PREFIX");
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[1])) {
            props.load(in);
        }
        props.put("bootstrap.servers", args[0]);
        String principal = args[2];
        String prefix = args[3];
        List<AclBinding> acls = new ArrayList<>();
        ResourcePattern topics = new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED);
        ResourcePattern txnIds = new ResourcePattern(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED);
        for (AclOperation op : new AclOperation[] {AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.READ}) {
            acls.add(new AclBinding(topics, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
        }
        for (AclOperation op : new AclOperation[] {AclOperation.WRITE, AclOperation.DESCRIBE}) {
            acls.add(new AclBinding(txnIds, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
        }
        try (Admin admin = Admin.create(props)) {
            admin.createAcls(acls).all().get();
        }
        for (AclBinding b : acls) System.out.println(b);
    }
}
