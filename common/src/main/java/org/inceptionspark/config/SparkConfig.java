package org.inceptionspark.config;

import java.io.Serializable;

/** {@code inception.spark}: used only when spark-submit has not set them. */
public record SparkConfig(String master, String appName) implements Serializable {
}
