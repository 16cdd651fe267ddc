package org.inceptionspark.driver;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full log of a training run, {@code train.log} in its run directory: every log line at INFO
 * and above (Spark's included, whatever the terminal shows; conf/log4j2.properties) and the run's
 * own output lines ({@link #output}). Appended to, so a resumed run continues its file. Only for
 * run directories on the local filesystem; elsewhere the log stays where log4j2 sends it.
 */
public final class RunLog implements AutoCloseable {
    /** The logger the output lines are copied to; conf/log4j2.properties keeps it off the terminal. */
    static final String OUTPUT_LOGGER = "inception.output";
    private static final String APPENDER = "inception-run-log";

    private final FileAppender appender;
    private final File file;

    private RunLog(FileAppender appender, File file) {
        this.appender = appender;
        this.file = file;
    }

    /** Starts {@code <runDir>/train.log}; null (and a line on {@code console}) where it cannot be written. */
    public static RunLog open(String runDir, org.apache.hadoop.conf.Configuration hadoop, PrintStream console) {
        File dir;
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(runDir);
            if (!"file".equals(p.getFileSystem(hadoop).getUri().getScheme())) {
                return null;
            }
            dir = new File(p.toUri().getPath());
        } catch (Exception e) {
            return null;
        }
        if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
            return null;
        }
        if (!dir.isDirectory() && !dir.mkdirs()) {
            console.println("warning: cannot create " + dir + ": no train.log for this run");
            return null;
        }
        File file = new File(dir, "train.log");
        Configuration config = ctx.getConfiguration();
        FileAppender appender = FileAppender.newBuilder()
                .setName(APPENDER)
                .withFileName(file.getPath())
                .withAppend(true)
                .setLayout(PatternLayout.newBuilder().withConfiguration(config)
                        .withPattern("%d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex").build())
                .setConfiguration(config)
                .build();
        appender.start();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, Level.INFO, null);
        LoggerConfig output = config.getLoggerConfig(OUTPUT_LOGGER);
        if (!OUTPUT_LOGGER.equals(output.getName())) {
            output = new LoggerConfig(OUTPUT_LOGGER, Level.INFO, false);
            config.addLogger(OUTPUT_LOGGER, output);
        }
        output.addAppender(appender, Level.INFO, null);
        ctx.updateLoggers();
        return new RunLog(appender, file);
    }

    public File file() {
        return file;
    }

    /**
     * {@code console} with every line written to it also logged to {@link #OUTPUT_LOGGER}, so the run's
     * progress, evaluation and checkpoint lines are in its log file among the log lines.
     */
    public static PrintStream output(PrintStream console) {
        Logger log = LoggerFactory.getLogger(OUTPUT_LOGGER);
        OutputStream lines = new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                console.write(b);
                if (b == '\n') {
                    log.info(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b);
                }
            }

            @Override
            public void flush() {
                console.flush();
            }
        };
        return new PrintStream(lines, true, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (LogManager.getContext(false) instanceof LoggerContext ctx) {
            Configuration config = ctx.getConfiguration();
            config.getRootLogger().removeAppender(APPENDER);
            config.getLoggerConfig(OUTPUT_LOGGER).removeAppender(APPENDER);
            ctx.updateLoggers();
        }
        appender.stop();
    }
}
