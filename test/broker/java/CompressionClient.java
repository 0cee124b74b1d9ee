import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;

/**
 * Apache Kafka's own Java client, for the compression tests: records are lines of
 * "base64(key) base64(value)"; each command ends by printing the topic's bytes on disk.
 *   produce BOOTSTRAP TOPIC CODEC FILE    sends FILE's records with compression.type=CODEC
 *   consume BOOTSTRAP TOPIC COUNT FILE    reads COUNT records from the start into FILE
 *   logsize BOOTSTRAP TOPIC
 */
public class CompressionClient {
  public static void main(String[] a) throws Exception {
    switch (a[0]) {
      case "produce" -> produce(a[1], a[2], a[3], Path.of(a[4]));
      case "consume" -> consume(a[1], a[2], Integer.parseInt(a[3]), Path.of(a[4]));
      case "logsize" -> System.out.println("logsize=" + logSize(a[1], a[2]));
      default -> throw new IllegalArgumentException("unknown command " + a[0]);
    }
  }

  static void produce(String bootstrap, String topic, String codec, Path file) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // Large batches, so every codec's framing spans several blocks.
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "1048576");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "200");
    int n = 0;
    try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] kv = line.split(" ");
        producer.send(new ProducerRecord<>(topic, Base64.getDecoder().decode(kv[0]), Base64.getDecoder().decode(kv[1])));
        n++;
      }
      producer.flush();
    }
    System.out.println("produced=" + n + " logsize=" + logSize(bootstrap, topic));
  }

  static void consume(String bootstrap, String topic, int count, Path file) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> out = new ArrayList<>();
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.currentTimeMillis() + 60_000;
      while (out.size() < count) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("read " + out.size() + " of " + count + " records from " + topic);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(Base64.getEncoder().encodeToString(r.key()) + " " + Base64.getEncoder().encodeToString(r.value()));
        }
      }
    }
    Files.write(file, out, StandardCharsets.UTF_8);
    System.out.println("consumed=" + out.size() + " logsize=" + logSize(bootstrap, topic));
  }

  static long logSize(String bootstrap, String topic) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
      // One replica per partition counts (the largest), so the figure is the topic's, not the cluster's.
      Map<TopicPartition, Long> size = new HashMap<>();
      for (var dirs : admin.describeLogDirs(brokers).allDescriptions().get().values())
        for (var dir : dirs.values())
          for (var e : dir.replicaInfos().entrySet())
            if (e.getKey().topic().equals(topic)) size.merge(e.getKey(), e.getValue().size(), Math::max);
      return size.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
