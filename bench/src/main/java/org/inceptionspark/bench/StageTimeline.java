package org.inceptionspark.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Where a step's synchronisation overhead goes, from Spark's own task metrics: for each stage of
 * the last job, the gap before it, its span, and per task the time to deserialize the task, run
 * it, collect garbage, write the shuffle, wait for shuffle fetches, serialize and fetch the result.
 */
final class StageTimeline extends SparkListener {
    private record Task(String executor, long launch, long finish, long deserializeMs, long runMs, long gcMs,
                        long shuffleWriteMs, long fetchWaitMs, long resultSerMs, long gettingResultMs, long resultBytes) {
    }

    private record Stage(int id, String name, long submitted, long completed, List<Task> tasks) {
    }

    /** The local property setJobDescription sets (Spark's own constant for it is not public). */
    private static final String JOB_DESCRIPTION = "spark.job.description";

    private final Map<Integer, Stage> stages = new LinkedHashMap<>();
    private final Map<Integer, List<Task>> tasks = new LinkedHashMap<>();
    private long jobStart;
    private long jobEnd;
    private String description;
    private boolean done;

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
        stages.clear();
        tasks.clear();
        jobStart = start.time();
        description = start.properties() == null ? null : start.properties().getProperty(JOB_DESCRIPTION);
        done = false;
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
        jobEnd = end.time();
        done = true;
        notifyAll();
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        TaskInfo i = end.taskInfo();
        TaskMetrics m = end.taskMetrics();
        if (i == null || m == null) {
            return;
        }
        tasks.computeIfAbsent(end.stageId(), k -> new ArrayList<>()).add(new Task(i.executorId(), i.launchTime(),
                i.finishTime(), m.executorDeserializeTime(), m.executorRunTime(), m.jvmGCTime(),
                m.shuffleWriteMetrics().writeTime() / 1_000_000, m.shuffleReadMetrics().fetchWaitTime(),
                m.resultSerializationTime(), i.gettingResult() ? i.finishTime() - i.gettingResultTime() : 0,
                m.resultSize()));
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted completed) {
        StageInfo s = completed.stageInfo();
        long submitted = s.submissionTime().isDefined() ? (Long) s.submissionTime().get() : 0;
        long finished = s.completionTime().isDefined() ? (Long) s.completionTime().get() : 0;
        stages.put(s.stageId(), new Stage(s.stageId(), s.name(), submitted, finished,
                tasks.getOrDefault(s.stageId(), List.of())));
    }

    /**
     * The timeline of the job described as {@code jobDescription}, one line per stage and per task.
     * The listener bus is asynchronous: waits until that job's end has arrived, not an earlier job's.
     */
    synchronized String describeJob(String jobDescription, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!(done && jobDescription.equals(description))) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return "    (no timeline: the job's events did not arrive in " + timeoutMillis + " ms)\n";
            }
            wait(left);
        }
        StringBuilder b = new StringBuilder();
        long previousEnd = jobStart;
        for (Stage s : stages.values()) {
            b.append(String.format(Locale.ROOT, "    stage %d (%d tasks): starts +%d ms after the previous, spans %d ms%n",
                    s.id, s.tasks.size(), s.submitted - previousEnd, s.completed - s.submitted));
            for (Task t : s.tasks.stream().sorted((x, y) -> Long.compare(x.launch, y.launch)).toList()) {
                b.append(String.format(Locale.ROOT, "      exec %s +%5d..%5d ms: deserialize %4d run %5d (gc %4d, shuffle"
                                + " write %4d, fetch wait %4d) result ser %3d fetch %4d (%,d B)%n", t.executor,
                        t.launch - s.submitted, t.finish - s.submitted, t.deserializeMs, t.runMs, t.gcMs,
                        t.shuffleWriteMs, t.fetchWaitMs, t.resultSerMs, t.gettingResultMs, t.resultBytes));
            }
            previousEnd = s.completed;
        }
        b.append(String.format(Locale.ROOT, "    job ends +%d ms after the last stage%n", jobEnd - previousEnd));
        return b.toString();
    }
}
