package org.inceptionspark.driver;

import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.inceptionspark.driver.checkpoint.Checkpoint;
import org.inceptionspark.driver.checkpoint.CheckpointModels;
import org.inceptionspark.driver.checkpoint.CheckpointStore;
import org.inceptionspark.driver.cli.CliArgs;

/**
 * {@code export --checkpoint PATH --out model.zip}: the checkpoint's network with its moving-average
 * weights as a DL4J model zip that {@code ComputationGraph.load} opens. PATH may be a checkpoint
 * folder or a run directory (its newest checkpoint); both may be on any Hadoop filesystem.
 */
public final class ExportCommand implements Main.Command {
    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args;
        try {
            args = CliArgs.parse(argv, Set.of("checkpoint", "out"), Set.of());
            args.require("checkpoint");
            args.require("out");
        } catch (IllegalArgumentException e) {
            System.err.println("export: " + e.getMessage());
            return 2;
        }
        Configuration hadoop = new Configuration();
        Checkpoint c = CheckpointStore.read(args.require("checkpoint"), hadoop);
        Path out = new Path(args.require("out"));
        long params = writeModel(c, out, hadoop);
        System.out.printf("exported step %d (%s weights, %,d parameters) to %s%n", c.step(),
                c.average() != null ? "moving-average" : "raw", params, out);
        return 0;
    }

    /** Writes the checkpoint's evaluation network as a model zip (temporary name, then renamed); returns its parameter count. */
    public static long writeModel(Checkpoint c, Path out, Configuration hadoop) throws java.io.IOException {
        ComputationGraph g = CheckpointModels.evaluationGraph(c);
        FileSystem fs = out.getFileSystem(hadoop);
        Path tmp = new Path(out.getParent() == null ? new Path(".") : out.getParent(), "_" + out.getName() + ".tmp");
        try (var stream = fs.create(tmp, true)) {
            ModelSerializer.writeModel(g, stream, false);
        }
        fs.delete(out, false);
        if (!fs.rename(tmp, out)) {
            throw new java.io.IOException("could not rename " + tmp + " to " + out);
        }
        return g.numParams();
    }
}
