package org.inceptionspark.driver.commands;

import com.typesafe.config.Config;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.common.data.CropScheme;
import org.inceptionspark.driver.Main;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.data.DataConfig;
import org.inceptionspark.driver.eval.DistributedEvaluator;
import org.inceptionspark.driver.eval.EvalReport;
import org.inceptionspark.worker.data.PackedDataset;

/**
 * {@code eval --model ZIP --data PACKED [--crops 1|12|144] [--ensemble ZIP2,ZIP3] [--input-size S]
 * [--max-images N] [--master M]}: top-1/top-5 error and per-class accuracy, computed on the
 * executors. Models are DL4J ComputationGraph zips on any Hadoop path. {@code --checkpoint} is
 * reserved for the training engine's checkpoints (moving-average weights), added with it.
 */
public final class EvalCommand implements Main.Command {

    @Override
    public int run(String[] argv) throws Exception {
        try {
            return eval(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("eval: error: " + e.getMessage());
            return 2;
        }
    }

    private int eval(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("model", "checkpoint", "data", "crops", "ensemble", "input-size",
                "max-images", "master"), Set.of());
        if (args.option("checkpoint").isPresent()) {
            throw new IllegalArgumentException("--checkpoint is not supported yet: pass a DL4J model zip with --model");
        }
        Config conf = DataConfig.load(args.overrides());
        String data = args.require("data");
        CropScheme scheme = CropScheme.of(args.intOption("crops", 1));
        int inputSize = args.intOption("input-size", conf.getInt("model.input-size"));
        List<String> modelPaths = new ArrayList<>();
        modelPaths.add(args.require("model"));
        args.option("ensemble").ifPresent(e -> modelPaths.addAll(List.of(e.split(","))));
        Configuration hadoop = new Configuration();
        try {
            PackedDataset.open(data, hadoop).close(); // a wrong --data fails here, before models load or Spark starts
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot open --data " + data + ": " + e.getMessage(), e);
        }
        List<ComputationGraph> models = new ArrayList<>();
        for (String p : modelPaths) {
            models.add(load(p.strip(), hadoop));
        }
        SparkConf sparkConf = new SparkConf().setAppName("inception-spark eval")
                .setMaster(args.option("master").orElse(conf.getString("spark.master")));
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf);
             PackedDataset dataset = PackedDataset.open(data, hadoop)) {
            sc.setLogLevel("WARN");
            EvalReport report = new DistributedEvaluator(sc).evaluate(models, data, scheme, inputSize,
                    conf.getDouble("augment.eval-central-fraction"), Long.parseLong(args.option("max-images").orElse("0")));
            report.print(System.out, dataset);
        }
        return 0;
    }

    /** ComputationGraph.load needs a local file, so a remote zip is copied to a temporary one first. */
    static ComputationGraph load(String path, Configuration hadoop) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        if (!fs.exists(p)) {
            throw new IllegalArgumentException("model file does not exist: " + path);
        }
        File local = Files.createTempFile("model", ".zip").toFile();
        try {
            fs.copyToLocalFile(false, p, new Path(local.toURI()), true);
            return ComputationGraph.load(local, false);
        } finally {
            local.delete();
        }
    }
}
