package dev.weir.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Weir's validate topology as a Kafka Streams application: wire-format EdgeEvents from the input topic are
 * checked (EdgeEventValidator); a valid one goes to the output topic as JSON with its event time as the
 * record timestamp, an invalid one goes untouched to the dead-letter topic with weir.reason / weir.field /
 * weir.error / weir.origin.* headers. exactly_once_v2, commit.interval.ms 100, one stream thread.
 *
 *   java -cp 'target/weir-peer-streams-1.jar:target/lib/*' dev.weir.peer.ValidateApp \
 *     <application-id> <input> <output> <dead-letter> <schemas/EdgeEvent.avsc> <schema-id> [bootstrap]
 */
public final class ValidateApp {
  private ValidateApp() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 6) {
      System.err.println("usage: ValidateApp <application-id> <input> <output> <dead-letter> <avsc> <schema-id> [bootstrap]");
      System.exit(2);
    }
    String applicationId = args[0];
    Path avsc = Path.of(args[4]);
    int schemaId = Integer.parseInt(args[5]);
    new EdgeEventValidator(avsc, schemaId); // fail at start on a bad schema file, not per record

    Topology topology = new Topology();
    topology.addSource("input", new ByteArrayDeserializer(), new ByteArrayDeserializer(), args[1]);
    topology.addProcessor("validate", () -> new Validate(avsc, schemaId), "input");
    topology.addSink("valid", args[2], new ByteArraySerializer(), new ByteArraySerializer(), "validate");
    topology.addSink("rejected", args[3], new ByteArraySerializer(), new ByteArraySerializer(), "validate");

    Properties config = new Properties();
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args.length > 6 ? args[6] : "127.0.0.1:9092");
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    config.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/weir-peer-" + applicationId);
    config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Streams does not leave its group on close by default; the benchmark deletes the group right after a run
    config.put(StreamsConfig.consumerPrefix("internal.leave.group.on.close"), true);

    KafkaStreams streams = new KafkaStreams(topology, config);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.ERROR) System.err.println("peer state " + before + " -> " + now);
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }

  /** The validate operator: one instance per task (input partition). */
  static final class Validate implements Processor<byte[], byte[], byte[], byte[]> {
    private final EdgeEventValidator validator;
    private ProcessorContext<byte[], byte[]> context;

    Validate(Path avsc, int schemaId) {
      try {
        validator = new EdgeEventValidator(avsc, schemaId);
      } catch (IOException error) {
        throw new IllegalStateException("cannot read " + avsc + ": " + error.getMessage(), error);
      }
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      EdgeEventValidator.Verdict verdict = validator.check(record.value());
      if (verdict.ok()) {
        Object time = verdict.value().get("event_time");
        byte[] json = EdgeEventValidator.toJson(verdict.value()).getBytes(StandardCharsets.UTF_8);
        context.forward(record.withValue(json).withTimestamp(time instanceof Long millis ? millis : record.timestamp()), "valid");
        return;
      }
      Headers headers = record.headers();
      add(headers, "weir.reason", verdict.reason());
      add(headers, "weir.error", verdict.error());
      if (verdict.field() != null) add(headers, "weir.field", verdict.field());
      add(headers, "weir.operator", "validate");
      add(headers, "weir.schema", validator.schema().getName());
      RecordMetadata origin = context.recordMetadata().orElseThrow();
      add(headers, "weir.origin.topic", origin.topic());
      add(headers, "weir.origin.partition", Integer.toString(origin.partition()));
      add(headers, "weir.origin.offset", Long.toString(origin.offset()));
      context.forward(record.withHeaders(headers), "rejected");
    }

    private static void add(Headers headers, String name, String value) {
      headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
  }
}
