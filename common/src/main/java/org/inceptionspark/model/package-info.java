/**
 * The model zoo: Inception-v3 (with its low-resolution variants), GoogLeNet and VGG A-E as DL4J
 * computation graphs, their custom layers (fused batch norm and ReLU, convolutions that keep no
 * output copy, max pooling on its helper) and their cost. May use DL4J, {@code config} and
 * {@code runtime} (to install the oneDNN layers); no Spark.
 */
package org.inceptionspark.model;
