package org.inceptionspark.driver.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.inceptionspark.worker.ReplicaBlocks;

/**
 * Which task of a step runs where, so that a step that does not finish can name its slow
 * executors: the driver runs one step's job at a time, so the tasks running when a step times
 * out are that step's stragglers.
 */
final class StepWatch extends SparkListener {
    private record Running(int stageId, int index, String executor, String host, long launchMillis, boolean speculative) {
    }

    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    /** The result stage of each job: its tasks sum slices; every other stage's tasks train blocks of replicas. */
    private final Map<Integer, Boolean> reduceStages = new ConcurrentHashMap<>();

    @Override
    public void onJobStart(SparkListenerJobStart start) {
        int last = -1;
        for (Object id : scala.collection.JavaConverters.seqAsJavaList(start.stageIds())) {
            last = Math.max(last, (Integer) id);
        }
        if (last >= 0) {
            reduceStages.put(last, true);
        }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
        TaskInfo t = start.taskInfo();
        running.put(t.taskId(), new Running(start.stageId(), t.index(), t.executorId(), t.host(), t.launchTime(),
                t.speculative()));
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
    }

    /**
     * The tasks running now, longest first, e.g. "replicas 2..3 on executor 1 (127.0.0.3), running
     * for 95 s"; empty when none is. {@code direct}: the step is a barrier stage of blocks of
     * replicas that sum among themselves (the direct exchange), not a map and a reduce stage.
     */
    List<String> runningTasks(ReplicaBlocks blocks, boolean direct) {
        long now = System.currentTimeMillis();
        List<Running> tasks = new ArrayList<>(running.values());
        tasks.sort(Comparator.comparingLong(Running::launchMillis));
        List<String> out = new ArrayList<>();
        for (Running r : tasks) {
            String what;
            if (!direct && reduceStages.containsKey(r.stageId())) {
                what = "the sum of slice " + r.index();
            } else if (r.index() < blocks.count()) {
                int first = blocks.firstReplica(r.index());
                int end = blocks.endReplica(r.index());
                what = end - first == 1 ? "replica " + first : "replicas " + first + ".." + (end - 1);
            } else {
                what = "task " + r.index() + " of stage " + r.stageId();
            }
            out.add(String.format(Locale.ROOT, "%s%s on executor %s (%s), running for %d s", what,
                    r.speculative() ? " (speculative copy)" : "", r.executor(), r.host(), (now - r.launchMillis()) / 1000));
        }
        return out;
    }
}
