/**
 * ND4J's native runtime for training on CPU: {@link org.inceptionspark.runtime.NativeRuntime#build},
 * the one way a network is built (it sets DL4J's helper switch and checks the process first), the
 * native allocator checks, DL4J's workspaces sized once, and the convolution, pooling and batch-norm
 * layers that run on oneDNN directly (JavaCPP presets) with kept, aligned and size-checked buffers.
 * May use DL4J, ND4J and JavaCPP's presets (oneDNN) only; nothing of {@code org.inceptionspark}
 * outside this package, no Spark.
 */
package org.inceptionspark.runtime;
