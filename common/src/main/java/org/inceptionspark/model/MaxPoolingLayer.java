package org.inceptionspark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.inceptionspark.runtime.OneDnnPooling;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer of {@link MaxPooling}: with {@link OneDnnPooling} as its helper the forward pass runs
 * there too (oneDNN's fast kernel on an NHWC copy), else it is DL4J's own. The backward pass is
 * DL4J's, which already calls the helper.
 */
public class MaxPoolingLayer extends SubsamplingLayer {
    public MaxPoolingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (getHelper() instanceof OneDnnPooling pool && input != null && input.rank() == 4) {
            org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = layerConf();
            return pool.activate(input, training, c.getKernelSize(), c.getStride(), c.getPadding(), c.getPoolingType(),
                    c.getConvolutionMode(), c.getDilation(), c.getCnn2dDataFormat(), workspaceMgr);
        }
        return super.activate(training, workspaceMgr);
    }
}
