import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The reference reader of the tests: Kafka's own Java consumer with isolation.level=read_committed, independent of
 * the client Weir uses. Reads every partition of a topic from the beginning to its end (the last stable offset) and
 * prints one JSON line per record: {"partition","offset","key","value"} (key and value as UTF-8 text, or null).
 *
 * Usage: java -cp '<kafka libs>/*' ReadCommitted.java <bootstrap> <topic>
 */
public class ReadCommitted {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    props.put("max.poll.records", "5000");
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    String topic = args[1];
    StringBuilder out = new StringBuilder();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) partitions.add(new TopicPartition(topic, info.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // With read_committed, endOffsets is the last stable offset: everything below it is decided.
      var ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.currentTimeMillis() + 120_000;
      while (true) {
        boolean done = true;
        for (TopicPartition partition : partitions) if (consumer.position(partition) < ends.get(partition)) done = false;
        if (done) break;
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("not at the end of " + topic + " after 120 s");
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          out.append("{\"partition\":").append(record.partition())
              .append(",\"offset\":").append(record.offset())
              .append(",\"key\":").append(json(record.key()))
              .append(",\"value\":").append(json(record.value()))
              .append("}\n");
          if (out.length() > 1 << 20) {
            System.out.print(out);
            out.setLength(0);
          }
        }
      }
    }
    System.out.print(out);
    System.out.flush();
  }

  private static String json(byte[] bytes) {
    if (bytes == null) return "null";
    String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        case '\n' -> quoted.append("\\n");
        case '\r' -> quoted.append("\\r");
        case '\t' -> quoted.append("\\t");
        default -> {
          if (c < 0x20) quoted.append(String.format("\\u%04x", (int) c));
          else quoted.append(c);
        }
      }
    }
    return quoted.append('"').toString();
  }
}
