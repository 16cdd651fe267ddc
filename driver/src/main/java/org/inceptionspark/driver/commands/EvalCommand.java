package org.inceptionspark.driver.commands;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.inceptionspark.image.CropScheme;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.config.ConfigLoader;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.config.InvalidConfigException;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.DenseEvaluation;
import org.inceptionspark.driver.SparkContexts;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.cli.ConfigArgs;
import org.inceptionspark.driver.eval.BatchNormRecompute;
import org.inceptionspark.driver.eval.DistributedEvaluator;
import org.inceptionspark.driver.eval.EvalReport;
import org.inceptionspark.worker.data.PackedDataset;
import org.nd4j.linalg.factory.Nd4j;
import org.inceptionspark.worker.SparkHadoopConf;

/**
 * {@code eval (--checkpoint PATH | --model ZIP) --data PACKED [--crops 1|12|144] [--ensemble P2,P3]
 * [--input-size S] [--max-images N] [--master M]}: top-1/top-5 error and per-class accuracy,
 * computed on the executors. A checkpoint (folder or run directory) is evaluated with its
 * moving-average weights and the batch-norm statistics of {@code eval.batch-norm-statistics} (its
 * run's setting, or {@code -Deval.batch-norm-statistics=moving|recompute}); ensemble members may be
 * checkpoints or DL4J model zips. {@code -Deval.mode=dense} scores VGG networks densely at
 * {@code eval.dense-scales} instead of crops.
 */
public final class EvalCommand implements Command {

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args = CliArgs.parse(argv, Set.of("model", "checkpoint", "data", "crops", "ensemble", "input-size",
                "max-images", "master", ConfigArgs.OPTION), Set.of());
        InceptionConfig conf = ConfigLoader.load(args.option(ConfigArgs.OPTION).map(java.nio.file.Path::of).orElse(null),
                args.overrides()).config();
        String data = args.require("data");
        CropScheme scheme = CropScheme.of(args.intOption("crops", 1));
        List<String> modelPaths = new ArrayList<>();
        if (args.option("checkpoint").isPresent() == args.option("model").isPresent()) {
            throw new IllegalArgumentException("give exactly one of --checkpoint PATH (checkpoint folder or run directory) "
                    + "and --model ZIP");
        }
        modelPaths.add(args.option("checkpoint").orElseGet(() -> args.require("model")));
        args.option("ensemble").ifPresent(e -> modelPaths.addAll(List.of(e.split(","))));
        Configuration hadoop = SparkHadoopConf.current();
        try {
            PackedDataset.open(data, hadoop).close(); // a wrong --data fails here, before models load or Spark starts
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot open --data " + data + ": " + e.getMessage(), e);
        }
        int inputSize = args.intOption("input-size", args.option("checkpoint").isPresent()
                ? CheckpointModels.inputSize(CheckpointStore.read(args.require("checkpoint"), hadoop))
                : conf.model().inputSize());
        try (JavaSparkContext sc = SparkContexts.create("eval", conf, args.option("master"));
             PackedDataset dataset = PackedDataset.open(data, hadoop)) {
            sc.setLogLevel("WARN");
            List<ComputationGraph> models = new ArrayList<>();
            for (String p : modelPaths) {
                ComputationGraph g = evaluationModel(sc, p.strip(), args, hadoop);
                models.add(conf.eval().dense() ? denseModel(g, p.strip(), conf, args, hadoop) : g);
            }
            DistributedEvaluator evaluator = new DistributedEvaluator(sc, conf.data().decodeLimits());
            EvalReport report = conf.eval().dense()
                    ? evaluator.evaluateDense(models, data, conf.eval().denseScales(), conf.eval().denseFlip(),
                    args.intOption("max-images", 0))
                    : evaluator.evaluate(models, data, scheme, inputSize, conf.augment().evalCentralFraction(),
                    args.intOption("max-images", 0));
            report.print(System.out, dataset);
        }
        return 0;
    }

    /**
     * {@code eval.mode = dense}: the model's fully convolutional form. The network's configuration is
     * its checkpoint's (under the command line's overrides), or the command line's for a model zip.
     */
    private static ComputationGraph denseModel(ComputationGraph trained, String path, InceptionConfig conf, CliArgs args,
                                               Configuration hadoop) throws IOException {
        ModelConfig m = path.endsWith(".zip") ? conf.model()
                : CheckpointModels.config(CheckpointStore.read(path, hadoop), args.overrides()).model();
        if (!m.isVgg()) {
            throw new IllegalArgumentException("inception.eval.mode = dense is VGG's evaluation; " + path + " is "
                    + m.name() + (path.endsWith(".zip") ? " (a model zip is described by --config / -Dmodel.name)" : ""));
        }
        for (int q : conf.eval().denseScales()) {
            if (q < m.inputSize()) {
                throw new IllegalArgumentException("inception.eval.dense-scales: Q = " + q + " is below " + path
                        + "'s input size " + m.inputSize() + " (fc6 as a convolution needs the whole 7x7 window)");
            }
        }
        try {
            return DenseEvaluation.of(trained, m).graph();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(path + " does not fit " + m.name() + " at width " + m.widthMultiplier()
                    + " with " + m.classes() + " classes for dense evaluation: " + e.getMessage(), e);
        }
    }

    /**
     * A model zip as it is (an export carries the statistics it was exported with); a checkpoint with
     * its moving-average weights and the batch-norm statistics its configuration (under the command
     * line's overrides) asks for: {@code eval.batch-norm-statistics = recompute} recomputes them from its
     * run's training images.
     */
    private static ComputationGraph evaluationModel(JavaSparkContext sc, String path, CliArgs args, Configuration hadoop)
            throws IOException {
        if (path.endsWith(".zip")) {
            return CheckpointModels.load(path, hadoop);
        }
        Checkpoint c = CheckpointStore.read(path, hadoop);
        ComputationGraph g = CheckpointModels.evaluationGraph(c);
        BatchNormRecompute recompute = BatchNormRecompute.of(CheckpointModels.config(c, args.overrides()), c.replicas());
        if (recompute == null) {
            System.out.printf("%s: step %d, moving batch-norm statistics%n", path, c.step());
            return g;
        }
        float[] w = recompute.apply(sc, g.getConfiguration(), g.params().toFloatVector());
        g.setParams(Nd4j.createFromArray(w).reshape(1, w.length));
        System.out.printf("%s: step %d, batch-norm statistics recomputed from %d training images%n", path, c.step(),
                recompute.imagesUsed());
        return g;
    }
}
