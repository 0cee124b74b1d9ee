import java.io.BufferedReader;
import java.io.InputStreamReader;
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
 * Apache Kafka's own Java client, for the compression tests. `CompressionClient BOOTSTRAP`
 * reads commands from stdin, one a line, and answers each with one line ("ok ..." or
 * "error ..."), so one JVM serves a whole test file. Records are lines of
 * "base64(key) base64(value)"; every answer ends with the topic's bytes on disk.
 *   produce TOPIC CODEC FILE    sends FILE's records with compression.type=CODEC
 *   consume TOPIC COUNT FILE    reads COUNT records from the start of every partition into FILE
 */
public class CompressionClient {
  public static void main(String[] a) throws Exception {
    String bootstrap = a[0];
    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    for (String line; (line = in.readLine()) != null; ) {
      String[] c = line.split(" ");
      try {
        String answer = switch (c[0]) {
          case "produce" -> produce(bootstrap, c[1], c[2], Path.of(c[3]));
          case "consume" -> consume(bootstrap, c[1], Integer.parseInt(c[2]), Path.of(c[3]));
          default -> throw new IllegalArgumentException("unknown command " + c[0]);
        };
        System.out.println("ok " + answer + " logsize=" + logSize(bootstrap, c[1]));
      } catch (Exception e) {
        System.out.println("error " + String.valueOf(e).replace('\n', ' '));
      }
    }
  }

  static String produce(String bootstrap, String topic, String codec, Path file) throws Exception {
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
    return "produced=" + n;
  }

  static String consume(String bootstrap, String topic, int count, Path file) throws Exception {
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
    return "consumed=" + out.size();
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
