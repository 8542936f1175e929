/*
 * Protocol test vectors made by Kafka's own generated message classes (kafka-clients jar), to check
 * edgekafka's codecs in src/protocol/ against an independent implementation
 * (tests/unit/protocol_apis.test.ts).
 *
 * Regenerate (Java 17+, single-file program, Kafka jars from the test harness):
 *
 *   bash tests/kafka/kafka.sh --libs broker java tests/kafka/ProtocolVectors.java > tests/unit/fixtures/protocol_vectors.json
 *
 * or with any classpath holding kafka-clients and slf4j-api:
 *
 *   java -cp '/path/to/libs/*' tests/kafka/ProtocolVectors.java > tests/unit/fixtures/protocol_vectors.json
 *
 * Output: { "kafkaVersion", "vectors": [ { "api", "kind", "version", "hex", "data", "note"? } ] } where
 *  - kind "request": hex = the body Kafka writes for data (the sample, in edgekafka's field names) at version;
 *  - kind "response": hex = the body Kafka writes at version; data = what Kafka itself reads back from
 *    those bytes at that version (so fields a version lacks hold Kafka's defaults), in edgekafka's shape;
 *  - kind "request-error": Kafka refuses to write data at version (a non-ignorable field the version
 *    lacks); "error" holds Kafka's message. hex is empty.
 * JSON has no int64 or bytes: int64 values are {"$bigint": "decimal"}, bytes and UUIDs {"$bytes": "hex"}.
 *
 * Where edgekafka's shape differs from the schema, the mapping is done here, in one place:
 * FindCoordinator v0-3 become a one-element coordinators list with key null (and errorMessage null in
 * v0, where Kafka's default is ""); Produce's absent CurrentLeader (-1/-1) becomes null;
 * AddPartitionsToTxn's V3AndBelow* fields lose that prefix.
 */

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.*;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.Readable;
import org.apache.kafka.common.protocol.types.RawTaggedField;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.internals.AppInfoParser;

public class ProtocolVectors {
    // ---------------------------------------------------------------- JSON and vectors

    /** A JSON fragment that is written as is. */
    record Raw(String json) {}

    static final List<String> VECTORS = new ArrayList<>();

    static String j(Object v) {
        if (v == null) return "null";
        if (v instanceof Raw r) return r.json();
        if (v instanceof String s) return quote(s);
        if (v instanceof Long l) return "{\"$bigint\":\"" + l + "\"}";
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        if (v instanceof byte[] b) return "{\"$bytes\":\"" + hex(b) + "\"}";
        if (v instanceof Uuid u) return j(ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array());
        if (v instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            for (Object o : c) parts.add(j(o));
            return "[" + String.join(",", parts) + "]";
        }
        throw new IllegalArgumentException("Cannot write " + v.getClass() + " as JSON");
    }

    /** An object from key, value pairs. */
    static Raw o(Object... kv) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < kv.length; i += 2) {
            if (i > 0) b.append(',');
            b.append(quote((String) kv[i])).append(':').append(j(kv[i + 1]));
        }
        return new Raw(b.append('}').toString());
    }

    static <T> List<Raw> map(Collection<T> items, java.util.function.Function<T, Raw> f) {
        List<Raw> out = new ArrayList<>();
        for (T t : items) out.add(f.apply(t));
        return out;
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

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x", x));
        return s.toString();
    }

    static byte[] write(Message m, short v) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer buf = ByteBuffer.allocate(m.size(cache, v));
        m.write(new ByteBufferAccessor(buf), cache, v);
        if (buf.hasRemaining()) throw new IllegalStateException("size() and write() disagree");
        return buf.array();
    }

    static void emit(String api, String kind, int v, byte[] bytes, Raw data, String extra) {
        VECTORS.add("{\"api\":" + quote(api) + ",\"kind\":" + quote(kind) + ",\"version\":" + v
            + ",\"hex\":" + quote(hex(bytes)) + ",\"data\":" + data.json() + (extra == null ? "" : "," + extra) + "}");
    }

    static <T extends Message> void request(String api, short v, T m, BiFunction<T, Short, Raw> json) {
        emit(api, "request", v, write(m, v), json.apply(m, v), null);
    }

    /** Kafka must refuse to write m at v; the vector says ours must refuse too. */
    static <T extends Message> void requestError(String api, short v, T m, BiFunction<T, Short, Raw> json) {
        Raw data = json.apply(m, v);
        try {
            write(m, v);
        } catch (RuntimeException e) {
            emit(api, "request-error", v, new byte[0], data, "\"error\":" + quote(e.getClass().getSimpleName() + ": " + e.getMessage()));
            return;
        }
        throw new IllegalStateException("Kafka wrote " + api + " v" + v + " " + data.json() + " without complaint");
    }

    /** Writes m at writeVersion, reads it back with Kafka at writeVersion, records it for decodeVersion. */
    static <T extends Message> void response(String api, short decodeVersion, short writeVersion, T m,
                                             BiFunction<Readable, Short, T> parse, BiFunction<T, Short, Raw> json, String note) {
        byte[] bytes = write(m, writeVersion);
        T back = parse.apply(new ByteBufferAccessor(ByteBuffer.wrap(bytes)), writeVersion);
        emit(api, "response", decodeVersion, bytes, json.apply(back, writeVersion), note == null ? null : "\"note\":" + quote(note));
    }

    static <T extends Message> void response(String api, short v, T m, BiFunction<Readable, Short, T> parse, BiFunction<T, Short, Raw> json) {
        response(api, v, v, m, parse, json, null);
    }

    static RawTaggedField unknownTag(int tag) {
        return new RawTaggedField(tag, new byte[] {1, 2, 3});
    }

    static final Uuid ORDERS_ID = new Uuid(0x0123456789abcdefL, 0xfedcba9876543210L);
    static final Uuid GONE_ID = new Uuid(0x1111111111111111L, 0x2222222222222222L);

    // ---------------------------------------------------------------- ApiVersions (18), v0-4

    static Raw apiVersionsRequestJson(ApiVersionsRequestData d, short v) {
        return o("clientSoftwareName", d.clientSoftwareName(), "clientSoftwareVersion", d.clientSoftwareVersion());
    }

    static Raw apiVersionsResponseJson(ApiVersionsResponseData d, short v) {
        return o("errorCode", d.errorCode(),
            "apiKeys", map(d.apiKeys(), k -> o("apiKey", k.apiKey(), "minVersion", k.minVersion(), "maxVersion", k.maxVersion())),
            "throttleTimeMs", d.throttleTimeMs(),
            "supportedFeatures", map(d.supportedFeatures(), f -> o("name", f.name(), "minVersion", f.minVersion(), "maxVersion", f.maxVersion())),
            "finalizedFeaturesEpoch", d.finalizedFeaturesEpoch(),
            "finalizedFeatures", map(d.finalizedFeatures(), f -> o("name", f.name(), "maxVersionLevel", f.maxVersionLevel(), "minVersionLevel", f.minVersionLevel())),
            "zkMigrationReady", d.zkMigrationReady());
    }

    static ApiVersionsResponseData.ApiVersionCollection apiKeys(int[][] keys) {
        ApiVersionsResponseData.ApiVersionCollection c = new ApiVersionsResponseData.ApiVersionCollection();
        for (int[] k : keys) c.add(new ApiVersionsResponseData.ApiVersion().setApiKey((short) k[0]).setMinVersion((short) k[1]).setMaxVersion((short) k[2]));
        return c;
    }

    static void apiVersions() {
        for (short v = 0; v <= 4; v++) {
            request("ApiVersions", v, new ApiVersionsRequestData().setClientSoftwareName("edgekafka").setClientSoftwareVersion("0.1.0-dev"), ProtocolVectors::apiVersionsRequestJson);
            request("ApiVersions", v, new ApiVersionsRequestData(), ProtocolVectors::apiVersionsRequestJson);

            ApiVersionsResponseData d = new ApiVersionsResponseData().setErrorCode((short) 0).setThrottleTimeMs(7)
                .setApiKeys(apiKeys(new int[][] {{0, 3, 12}, {3, 0, 13}, {18, 0, 4}, {22, 0, 5}}));
            ApiVersionsResponseData.SupportedFeatureKeyCollection sf = new ApiVersionsResponseData.SupportedFeatureKeyCollection();
            sf.add(new ApiVersionsResponseData.SupportedFeatureKey().setName("transaction.version").setMinVersion((short) 0).setMaxVersion((short) 2));
            sf.add(new ApiVersionsResponseData.SupportedFeatureKey().setName("kraft.version").setMinVersion((short) 0).setMaxVersion((short) 1));
            ApiVersionsResponseData.FinalizedFeatureKeyCollection ff = new ApiVersionsResponseData.FinalizedFeatureKeyCollection();
            ff.add(new ApiVersionsResponseData.FinalizedFeatureKey().setName("transaction.version").setMaxVersionLevel((short) 2).setMinVersionLevel((short) 2));
            d.setSupportedFeatures(sf).setFinalizedFeaturesEpoch(42L).setFinalizedFeatures(ff).setZkMigrationReady(true);
            if (v >= 3) d.unknownTaggedFields().add(unknownTag(7));
            response("ApiVersions", v, d, ApiVersionsResponseData::new, ProtocolVectors::apiVersionsResponseJson);

            // A broker that does not support version v answers with a v0 body (error 35, its range).
            ApiVersionsResponseData fallback = new ApiVersionsResponseData().setErrorCode((short) 35).setApiKeys(apiKeys(new int[][] {{18, 0, 2}}));
            response("ApiVersions", v, (short) 0, fallback, ApiVersionsResponseData::new, ProtocolVectors::apiVersionsResponseJson, "v0 UNSUPPORTED_VERSION fallback body");
        }
    }

    // ---------------------------------------------------------------- Metadata (3), v0-13

    static Raw metadataRequestJson(MetadataRequestData d, short v) {
        return o("topics", d.topics() == null ? null : map(d.topics(), t -> o("name", t.name(), "topicId", t.topicId())),
            "allowAutoTopicCreation", d.allowAutoTopicCreation(),
            "includeClusterAuthorizedOperations", d.includeClusterAuthorizedOperations(),
            "includeTopicAuthorizedOperations", d.includeTopicAuthorizedOperations());
    }

    static Raw metadataResponseJson(MetadataResponseData d, short v) {
        return o("throttleTimeMs", d.throttleTimeMs(),
            "brokers", map(d.brokers(), b -> o("nodeId", b.nodeId(), "host", b.host(), "port", b.port(), "rack", b.rack())),
            "clusterId", d.clusterId(), "controllerId", d.controllerId(),
            "topics", map(d.topics(), t -> o("errorCode", t.errorCode(), "name", t.name(), "topicId", t.topicId(), "isInternal", t.isInternal(),
                "partitions", map(t.partitions(), p -> o("errorCode", p.errorCode(), "partitionIndex", p.partitionIndex(), "leaderId", p.leaderId(),
                    "leaderEpoch", p.leaderEpoch(), "replicaNodes", p.replicaNodes(), "isrNodes", p.isrNodes(), "offlineReplicas", p.offlineReplicas())),
                "topicAuthorizedOperations", t.topicAuthorizedOperations())),
            "clusterAuthorizedOperations", d.clusterAuthorizedOperations(), "errorCode", d.errorCode());
    }

    static MetadataRequestData.MetadataRequestTopic mdTopic(String name, Uuid id) {
        return new MetadataRequestData.MetadataRequestTopic().setName(name).setTopicId(id);
    }

    static MetadataResponseData.MetadataResponsePartition mdPartition(int error, int index, int leader, int epoch, List<Integer> replicas, List<Integer> isr, List<Integer> offline) {
        return new MetadataResponseData.MetadataResponsePartition().setErrorCode((short) error).setPartitionIndex(index).setLeaderId(leader)
            .setLeaderEpoch(epoch).setReplicaNodes(replicas).setIsrNodes(isr).setOfflineReplicas(offline);
    }

    static MetadataResponseData metadataResponse(short v, int errorCode) {
        MetadataResponseData.MetadataResponseBrokerCollection brokers = new MetadataResponseData.MetadataResponseBrokerCollection();
        brokers.add(new MetadataResponseData.MetadataResponseBroker().setNodeId(1).setHost("broker-1.example").setPort(9092).setRack("rack-a"));
        brokers.add(new MetadataResponseData.MetadataResponseBroker().setNodeId(2).setHost("127.0.0.1").setPort(19093).setRack(null));
        int topicOps = v >= 8 ? 0x0f8 : Integer.MIN_VALUE; // not ignorable: only where the version has it
        MetadataResponseData.MetadataResponsePartition p0 = mdPartition(0, 0, 1, 5, List.of(1, 2), List.of(1, 2), List.of());
        if (v >= 9) p0.unknownTaggedFields().add(unknownTag(5));
        MetadataResponseData.MetadataResponseTopicCollection topics = new MetadataResponseData.MetadataResponseTopicCollection();
        topics.add(new MetadataResponseData.MetadataResponseTopic().setErrorCode((short) 0).setName("orders").setTopicId(ORDERS_ID)
            .setIsInternal(false).setTopicAuthorizedOperations(topicOps)
            .setPartitions(List.of(p0, mdPartition(5, 1, -1, 3, List.of(2, 1), List.of(1), List.of(2)))));
        topics.add(new MetadataResponseData.MetadataResponseTopic().setErrorCode((short) 0).setName("__consumer_offsets")
            .setTopicId(GONE_ID).setIsInternal(true).setTopicAuthorizedOperations(topicOps)
            .setPartitions(List.of(mdPartition(0, 0, 2, 0, List.of(2), List.of(2), List.of()))));
        topics.add(new MetadataResponseData.MetadataResponseTopic().setErrorCode((short) 3).setName("missing").setPartitions(List.of()));
        if (v >= 12) {
            topics.add(new MetadataResponseData.MetadataResponseTopic().setErrorCode((short) 100).setName(null).setTopicId(GONE_ID).setPartitions(List.of()));
        }
        return new MetadataResponseData().setThrottleTimeMs(11).setBrokers(brokers).setClusterId("cluster-xyz").setControllerId(1)
            .setTopics(topics).setClusterAuthorizedOperations(v >= 8 && v <= 10 ? 0xabc : Integer.MIN_VALUE).setErrorCode((short) errorCode);
    }

    static void metadata() {
        for (short v = 0; v <= 13; v++) {
            MetadataRequestData a = new MetadataRequestData()
                .setTopics(new ArrayList<>(List.of(mdTopic("orders", ORDERS_ID), mdTopic("payments", Uuid.ZERO_UUID))))
                .setAllowAutoTopicCreation(v < 4).setIncludeClusterAuthorizedOperations(v >= 8 && v <= 10).setIncludeTopicAuthorizedOperations(v >= 8);
            request("Metadata", v, a, ProtocolVectors::metadataRequestJson);
            if (v >= 1) request("Metadata", v, new MetadataRequestData().setTopics(null), ProtocolVectors::metadataRequestJson);
            else request("Metadata", v, new MetadataRequestData().setTopics(new ArrayList<>()), ProtocolVectors::metadataRequestJson);
            if (v >= 10) {
                request("Metadata", v, new MetadataRequestData().setTopics(new ArrayList<>(List.of(mdTopic(null, GONE_ID)))), ProtocolVectors::metadataRequestJson);
            }
            response("Metadata", v, metadataResponse(v, 0), MetadataResponseData::new, ProtocolVectors::metadataResponseJson);
            if (v >= 13) response("Metadata", v, metadataResponse(v, 129), MetadataResponseData::new, ProtocolVectors::metadataResponseJson);
        }
        requestError("Metadata", (short) 3, new MetadataRequestData().setTopics(new ArrayList<>()).setAllowAutoTopicCreation(false), ProtocolVectors::metadataRequestJson);
        requestError("Metadata", (short) 7, new MetadataRequestData().setTopics(new ArrayList<>()).setIncludeTopicAuthorizedOperations(true), ProtocolVectors::metadataRequestJson);
        requestError("Metadata", (short) 11, new MetadataRequestData().setTopics(new ArrayList<>()).setIncludeClusterAuthorizedOperations(true), ProtocolVectors::metadataRequestJson);
        requestError("Metadata", (short) 9, new MetadataRequestData().setTopics(new ArrayList<>(List.of(mdTopic(null, GONE_ID)))), ProtocolVectors::metadataRequestJson);
    }

    // ---------------------------------------------------------------- Produce (0), v3-12

    static Raw produceRequestJson(ProduceRequestData d, short v) {
        return o("transactionalId", d.transactionalId(), "acks", d.acks(), "timeoutMs", d.timeoutMs(),
            "topics", map(d.topicData(), t -> o("name", t.name(), "partitions", map(t.partitionData(), p -> o("index", p.index(),
                "records", p.records() == null ? null : bytes(((MemoryRecords) p.records()).buffer()))))));
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    static Raw produceResponseJson(ProduceResponseData d, short v) {
        return o("topics", map(d.responses(), t -> o("name", t.name(), "partitions", map(t.partitionResponses(), p -> o(
                "index", p.index(), "errorCode", p.errorCode(), "baseOffset", p.baseOffset(), "logAppendTimeMs", p.logAppendTimeMs(),
                "logStartOffset", p.logStartOffset(),
                "recordErrors", map(p.recordErrors(), e -> o("batchIndex", e.batchIndex(), "batchIndexErrorMessage", e.batchIndexErrorMessage())),
                "errorMessage", p.errorMessage(),
                "currentLeader", p.currentLeader().equals(new ProduceResponseData.LeaderIdAndEpoch()) ? null
                    : o("leaderId", p.currentLeader().leaderId(), "leaderEpoch", p.currentLeader().leaderEpoch()))))),
            "throttleTimeMs", d.throttleTimeMs(),
            "nodeEndpoints", map(d.nodeEndpoints(), n -> o("nodeId", n.nodeId(), "host", n.host(), "port", n.port(), "rack", n.rack())));
    }

    static ProduceRequestData.PartitionProduceData pp(int index, MemoryRecords records) {
        return new ProduceRequestData.PartitionProduceData().setIndex(index).setRecords(records);
    }

    static void produce() {
        Header[] headers = {new RecordHeader("trace-id", "abc".getBytes()), new RecordHeader("empty", null)};
        MemoryRecords plain = MemoryRecords.withRecords(Compression.NONE,
            new SimpleRecord(1700000000000L, "key-1".getBytes(), "value-1".getBytes(), headers),
            new SimpleRecord(1700000000005L, null, "value-2".getBytes()));
        MemoryRecords txn = MemoryRecords.withTransactionalRecords(Compression.NONE, 1000L, (short) 5, 17,
            new SimpleRecord(1700000000010L, "k".getBytes(), null));
        MemoryRecords empty = MemoryRecords.EMPTY;
        for (short v = 3; v <= 12; v++) {
            for (String txnId : Arrays.asList(null, "txn-1")) {
                ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
                topics.add(new ProduceRequestData.TopicProduceData().setName("orders")
                    .setPartitionData(List.of(pp(0, txnId == null ? plain : txn), pp(1, empty))));
                topics.add(new ProduceRequestData.TopicProduceData().setName("payments").setPartitionData(List.of(pp(3, null))));
                request("Produce", v, new ProduceRequestData().setTransactionalId(txnId).setAcks((short) (txnId == null ? 1 : -1))
                    .setTimeoutMs(30000).setTopicData(topics), ProtocolVectors::produceRequestJson);
            }

            ProduceResponseData.PartitionProduceResponse ok = new ProduceResponseData.PartitionProduceResponse().setIndex(0)
                .setErrorCode((short) 0).setBaseOffset(9007199254740993L).setLogAppendTimeMs(-1).setLogStartOffset(100);
            ProduceResponseData.PartitionProduceResponse moved = new ProduceResponseData.PartitionProduceResponse().setIndex(1)
                .setErrorCode((short) 6).setBaseOffset(-1).setLogAppendTimeMs(1700000000123L).setLogStartOffset(-1).setErrorMessage("Not leader");
            ProduceResponseData.PartitionProduceResponse bad = new ProduceResponseData.PartitionProduceResponse().setIndex(2)
                .setErrorCode((short) 87).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(0)
                .setRecordErrors(List.of(new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(0).setBatchIndexErrorMessage("bad key"),
                    new ProduceResponseData.BatchIndexAndErrorMessage().setBatchIndex(3).setBatchIndexErrorMessage(null)))
                .setErrorMessage("One or more records have been rejected");
            ProduceResponseData.NodeEndpointCollection endpoints = new ProduceResponseData.NodeEndpointCollection();
            if (v >= 10) { // tagged, not ignorable: only where the version has them
                moved.setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(2).setLeaderEpoch(17));
                endpoints.add(new ProduceResponseData.NodeEndpoint().setNodeId(2).setHost("broker-2.example").setPort(9093).setRack("rack-b"));
                endpoints.add(new ProduceResponseData.NodeEndpoint().setNodeId(3).setHost("127.0.0.1").setPort(9094).setRack(null));
            }
            if (v >= 9) {
                moved.unknownTaggedFields().add(unknownTag(4));
                ok.unknownTaggedFields().add(unknownTag(1));
            }
            ProduceResponseData.TopicProduceResponseCollection responses = new ProduceResponseData.TopicProduceResponseCollection();
            responses.add(new ProduceResponseData.TopicProduceResponse().setName("orders").setPartitionResponses(List.of(ok, moved)));
            responses.add(new ProduceResponseData.TopicProduceResponse().setName("payments").setPartitionResponses(List.of(bad)));
            ProduceResponseData d = new ProduceResponseData().setResponses(responses).setThrottleTimeMs(5).setNodeEndpoints(endpoints);
            if (v >= 9) d.unknownTaggedFields().add(unknownTag(9));
            response("Produce", v, d, ProduceResponseData::new, ProtocolVectors::produceResponseJson);
            response("Produce", v, new ProduceResponseData(), ProduceResponseData::new, ProtocolVectors::produceResponseJson);
        }
    }

    // ---------------------------------------------------------------- InitProducerId (22), v0-5

    static Raw initProducerIdRequestJson(InitProducerIdRequestData d, short v) {
        return o("transactionalId", d.transactionalId(), "transactionTimeoutMs", d.transactionTimeoutMs(),
            "producerId", d.producerId(), "producerEpoch", d.producerEpoch());
    }

    static Raw initProducerIdResponseJson(InitProducerIdResponseData d, short v) {
        return o("throttleTimeMs", d.throttleTimeMs(), "errorCode", d.errorCode(), "producerId", d.producerId(), "producerEpoch", d.producerEpoch());
    }

    static void initProducerId() {
        for (short v = 0; v <= 5; v++) {
            request("InitProducerId", v, new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(2147483647), ProtocolVectors::initProducerIdRequestJson);
            InitProducerIdRequestData tx = new InitProducerIdRequestData().setTransactionalId("txn-1").setTransactionTimeoutMs(60000);
            if (v >= 3) tx.setProducerId(1000L).setProducerEpoch((short) 5);
            request("InitProducerId", v, tx, ProtocolVectors::initProducerIdRequestJson);
            response("InitProducerId", v, new InitProducerIdResponseData().setThrottleTimeMs(3).setErrorCode((short) 0)
                .setProducerId(9007199254740993L).setProducerEpoch((short) 7), InitProducerIdResponseData::new, ProtocolVectors::initProducerIdResponseJson);
            response("InitProducerId", v, new InitProducerIdResponseData().setErrorCode((short) 51).setProducerId(-1L).setProducerEpoch((short) -1),
                InitProducerIdResponseData::new, ProtocolVectors::initProducerIdResponseJson);
        }
        requestError("InitProducerId", (short) 2, new InitProducerIdRequestData().setTransactionalId("txn-1").setProducerId(1000L), ProtocolVectors::initProducerIdRequestJson);
        requestError("InitProducerId", (short) 2, new InitProducerIdRequestData().setTransactionalId("txn-1").setProducerEpoch((short) 5), ProtocolVectors::initProducerIdRequestJson);
    }

    // ---------------------------------------------------------------- FindCoordinator (10), v0-6

    static Raw findCoordinatorRequestJson(FindCoordinatorRequestData d, short v) {
        return o("keyType", d.keyType(), "coordinatorKeys", v < 4 ? List.of(d.key()) : d.coordinatorKeys());
    }

    static Raw findCoordinatorResponseJson(FindCoordinatorResponseData d, short v) {
        if (v >= 4) {
            return o("throttleTimeMs", d.throttleTimeMs(), "coordinators", map(d.coordinators(), c -> o("key", c.key(), "nodeId", c.nodeId(),
                "host", c.host(), "port", c.port(), "errorCode", c.errorCode(), "errorMessage", c.errorMessage())));
        }
        return o("throttleTimeMs", d.throttleTimeMs(), "coordinators", List.of(o("key", null, "nodeId", d.nodeId(), "host", d.host(),
            "port", d.port(), "errorCode", d.errorCode(), "errorMessage", v >= 1 ? d.errorMessage() : null)));
    }

    static void findCoordinator() {
        for (short v = 0; v <= 6; v++) {
            FindCoordinatorRequestData req = new FindCoordinatorRequestData();
            if (v < 4) req.setKey(v == 0 ? "my-group" : "txn-1");
            else req.setCoordinatorKeys(List.of("txn-1", "txn-2"));
            if (v >= 1) req.setKeyType((byte) 1);
            request("FindCoordinator", v, req, ProtocolVectors::findCoordinatorRequestJson);

            FindCoordinatorResponseData ok = new FindCoordinatorResponseData().setThrottleTimeMs(2);
            FindCoordinatorResponseData err = new FindCoordinatorResponseData();
            if (v < 4) {
                ok.setErrorCode((short) 0).setErrorMessage(null).setNodeId(2).setHost("broker-2.example").setPort(9093);
                err.setErrorCode((short) 15).setErrorMessage("The coordinator is not available.").setNodeId(-1).setHost("").setPort(-1);
            } else {
                ok.setCoordinators(List.of(
                    new FindCoordinatorResponseData.Coordinator().setKey("txn-1").setNodeId(2).setHost("broker-2.example").setPort(9093).setErrorMessage(null),
                    new FindCoordinatorResponseData.Coordinator().setKey("txn-2").setNodeId(-1).setHost("").setPort(-1).setErrorCode((short) 15)
                        .setErrorMessage("The coordinator is not available.")));
                err.setCoordinators(List.of());
            }
            response("FindCoordinator", v, ok, FindCoordinatorResponseData::new, ProtocolVectors::findCoordinatorResponseJson);
            response("FindCoordinator", v, err, FindCoordinatorResponseData::new, ProtocolVectors::findCoordinatorResponseJson);
        }
        requestError("FindCoordinator", (short) 0, new FindCoordinatorRequestData().setKey("txn-1").setKeyType((byte) 1), ProtocolVectors::findCoordinatorRequestJson);
    }

    // ---------------------------------------------------------------- AddPartitionsToTxn (24), v0-3

    static Raw addPartitionsToTxnRequestJson(AddPartitionsToTxnRequestData d, short v) {
        return o("transactionalId", d.v3AndBelowTransactionalId(), "producerId", d.v3AndBelowProducerId(), "producerEpoch", d.v3AndBelowProducerEpoch(),
            "topics", map(d.v3AndBelowTopics(), t -> o("name", t.name(), "partitions", t.partitions())));
    }

    static Raw addPartitionsToTxnResponseJson(AddPartitionsToTxnResponseData d, short v) {
        return o("throttleTimeMs", d.throttleTimeMs(), "resultsByTopic", map(d.resultsByTopicV3AndBelow(), t -> o("name", t.name(),
            "resultsByPartition", map(t.resultsByPartition(), p -> o("partitionIndex", p.partitionIndex(), "partitionErrorCode", p.partitionErrorCode())))));
    }

    static AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult aptResult(String name, int[][] parts) {
        AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection c = new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection();
        for (int[] p : parts) c.add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult().setPartitionIndex(p[0]).setPartitionErrorCode((short) p[1]));
        return new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(name).setResultsByPartition(c);
    }

    static void addPartitionsToTxn() {
        for (short v = 0; v <= 3; v++) {
            AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
            topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("orders").setPartitions(List.of(0, 1, 2)));
            topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("payments").setPartitions(List.of(7)));
            request("AddPartitionsToTxn", v, new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId("txn-1").setV3AndBelowProducerId(1000L)
                .setV3AndBelowProducerEpoch((short) 5).setV3AndBelowTopics(topics), ProtocolVectors::addPartitionsToTxnRequestJson);
            AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection results = new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection();
            results.add(aptResult("orders", new int[][] {{0, 0}, {1, 0}, {2, 51}}));
            results.add(aptResult("payments", new int[][] {{7, 3}}));
            response("AddPartitionsToTxn", v, new AddPartitionsToTxnResponseData().setThrottleTimeMs(4).setResultsByTopicV3AndBelow(results),
                AddPartitionsToTxnResponseData::new, ProtocolVectors::addPartitionsToTxnResponseJson);
        }
    }

    // ---------------------------------------------------------------- AddOffsetsToTxn (25), v0-4; EndTxn (26), v0-5

    static void addOffsetsToTxnAndEndTxn() {
        for (short v = 0; v <= 4; v++) {
            request("AddOffsetsToTxn", v, new AddOffsetsToTxnRequestData().setTransactionalId("txn-1").setProducerId(1000L).setProducerEpoch((short) 5)
                .setGroupId("group-1"), (d, x) -> o("transactionalId", d.transactionalId(), "producerId", d.producerId(), "producerEpoch", d.producerEpoch(), "groupId", d.groupId()));
            for (int error : new int[] {0, 51}) {
                response("AddOffsetsToTxn", v, new AddOffsetsToTxnResponseData().setThrottleTimeMs(10).setErrorCode((short) error),
                    AddOffsetsToTxnResponseData::new, (d, x) -> o("throttleTimeMs", d.throttleTimeMs(), "errorCode", d.errorCode()));
            }
        }
        for (short v = 0; v <= 5; v++) {
            for (boolean committed : new boolean[] {true, false}) {
                request("EndTxn", v, new EndTxnRequestData().setTransactionalId("txn-1").setProducerId(1000L).setProducerEpoch((short) 5).setCommitted(committed),
                    (d, x) -> o("transactionalId", d.transactionalId(), "producerId", d.producerId(), "producerEpoch", d.producerEpoch(), "committed", d.committed()));
            }
            response("EndTxn", v, new EndTxnResponseData().setThrottleTimeMs(1).setErrorCode((short) 0).setProducerId(1001L).setProducerEpoch((short) 0),
                EndTxnResponseData::new, (d, x) -> o("throttleTimeMs", d.throttleTimeMs(), "errorCode", d.errorCode(), "producerId", d.producerId(), "producerEpoch", d.producerEpoch()));
        }
    }

    // ---------------------------------------------------------------- TxnOffsetCommit (28), v0-5

    static Raw txnOffsetCommitRequestJson(TxnOffsetCommitRequestData d, short v) {
        return o("transactionalId", d.transactionalId(), "groupId", d.groupId(), "producerId", d.producerId(), "producerEpoch", d.producerEpoch(),
            "generationId", d.generationIdOrMemberEpoch(), "memberId", d.memberId(), "groupInstanceId", d.groupInstanceId(),
            "topics", map(d.topics(), t -> o("name", t.name(), "partitions", map(t.partitions(), p -> o("partitionIndex", p.partitionIndex(),
                "committedOffset", p.committedOffset(), "committedLeaderEpoch", p.committedLeaderEpoch(), "committedMetadata", p.committedMetadata())))));
    }

    static TxnOffsetCommitRequestData txnOffsetCommitRequest() {
        return new TxnOffsetCommitRequestData().setTransactionalId("txn-1").setGroupId("group-1").setProducerId(1000L).setProducerEpoch((short) 5)
            .setTopics(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("orders").setPartitions(List.of(
                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(42L)
                    .setCommittedLeaderEpoch(3).setCommittedMetadata("meta"),
                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(43L)
                    .setCommittedMetadata(null)))));
    }

    static void txnOffsetCommit() {
        for (short v = 0; v <= 5; v++) {
            request("TxnOffsetCommit", v, txnOffsetCommitRequest(), ProtocolVectors::txnOffsetCommitRequestJson);
            if (v >= 3) {
                request("TxnOffsetCommit", v, txnOffsetCommitRequest().setGenerationIdOrMemberEpoch(4).setMemberId("member-1").setGroupInstanceId("instance-1"),
                    ProtocolVectors::txnOffsetCommitRequestJson);
            }
            response("TxnOffsetCommit", v, new TxnOffsetCommitResponseData().setThrottleTimeMs(0).setTopics(List.of(
                new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName("orders").setPartitions(List.of(
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition().setPartitionIndex(0).setErrorCode((short) 0),
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition().setPartitionIndex(1).setErrorCode((short) 22))))),
                TxnOffsetCommitResponseData::new, (d, x) -> o("throttleTimeMs", d.throttleTimeMs(), "topics", map(d.topics(), t -> o("name", t.name(),
                    "partitions", map(t.partitions(), p -> o("partitionIndex", p.partitionIndex(), "errorCode", p.errorCode()))))));
        }
        requestError("TxnOffsetCommit", (short) 2, txnOffsetCommitRequest().setGenerationIdOrMemberEpoch(4), ProtocolVectors::txnOffsetCommitRequestJson);
        requestError("TxnOffsetCommit", (short) 2, txnOffsetCommitRequest().setMemberId("member-1"), ProtocolVectors::txnOffsetCommitRequestJson);
        requestError("TxnOffsetCommit", (short) 2, txnOffsetCommitRequest().setGroupInstanceId("instance-1"), ProtocolVectors::txnOffsetCommitRequestJson);
    }

    public static void main(String[] args) {
        apiVersions();
        metadata();
        produce();
        initProducerId();
        findCoordinator();
        addPartitionsToTxn();
        addOffsetsToTxnAndEndTxn();
        txnOffsetCommit();
        System.out.println("{\n\"kafkaVersion\": " + quote(AppInfoParser.getVersion()) + ",\n\"vectors\": [\n" + String.join(",\n", VECTORS) + "\n]\n}");
    }
}
