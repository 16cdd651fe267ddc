package org.inceptionspark.model;

import org.inceptionspark.config.ModelConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.junit.jupiter.api.Test;

/** GoogLeNet and VGG A-E against the parameter counts and grids of their papers. */
class ModelOtherNetworksTest {

    @Test
    void zooListsEveryNetwork() {
        assertEquals(List.of("inception_v3", "googlenet", "vgg_a", "vgg_b", "vgg_c", "vgg_d", "vgg_e"), ModelZoo.names());
        org.inceptionspark.config.InvalidConfigException unknown = assertThrows(
                org.inceptionspark.config.InvalidConfigException.class, () -> ModelConfig.paper("vgg_f", 10));
        assertTrue(unknown.getMessage().contains("inception.model.name"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build(ModelConfig.paper("vgg_a", 10).with("input-size", 299), 1));
        assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.build(ModelConfig.paper(ModelConfig.GOOGLENET, 10).with("input-size", 299), 1));
    }

    @Test
    void vggParameterCountsMatchThePaper() {
        // Table 2 of the VGG paper, in millions: A 133, B 133, C 134, D 138, E 144.
        Map<String, Long> published = Map.of("vgg_a", 133L, "vgg_b", 133L, "vgg_c", 134L, "vgg_d", 138L, "vgg_e", 144L);
        for (String name : Vgg.names()) {
            ModelSummary s = ModelZoo.summarize(ModelConfig.paper(name, 1000));
            System.out.printf("%s: %,d parameters, %,d multiply-adds%n", name, s.totalParameters(), s.multiplyAdds());
            assertEquals(published.get(name), Math.round(s.totalParameters() / 1e6), name);
            assertEquals(s.totalParameters(), s.trainableParameters(), "no batch norm in " + name);
        }
        // torchvision's vgg16 / vgg19, the same networks: exact counts.
        assertEquals(138_357_544L, ModelZoo.summarize(ModelConfig.paper("vgg_d", 1000)).totalParameters());
        assertEquals(143_667_240L, ModelZoo.summarize(ModelConfig.paper("vgg_e", 1000)).totalParameters());
    }

    @Test
    void vggReaches7x7x512BeforeTheClassifier() {
        ModelConfig spec = ModelConfig.paper("vgg_c", 1000);
        Map<String, InputType> t = ModelZoo.build(spec, 1).getLayerActivationTypes(InputType.convolutional(224, 224, 3));
        InputType.InputTypeConvolutional pool5 = (InputType.InputTypeConvolutional) t.get("pool5");
        assertEquals(List.of(7L, 7L, 512L), List.of(pool5.getHeight(), pool5.getWidth(), pool5.getChannels()));
    }

    @Test
    void googLeNetModulesAreWiredAsTable1() {
        ComputationGraphConfiguration conf = ModelZoo.build(ModelConfig.paper(ModelConfig.GOOGLENET, 1000).with("aux-head", false), 1);
        // Table 1's columns: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
        String[] modules = {"3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"};
        int[][] columns = {{64, 96, 128, 16, 32, 32}, {128, 128, 192, 32, 96, 64}, {192, 96, 208, 16, 48, 64},
                {160, 112, 224, 24, 64, 64}, {128, 128, 256, 24, 64, 64}, {112, 144, 288, 32, 64, 64},
                {256, 160, 320, 32, 128, 128}, {256, 160, 320, 32, 128, 128}, {384, 192, 384, 48, 128, 128}};
        long cin = 192;
        long tableWeights = 64 * 64 + 9 * 64 * 192;
        for (int m = 0; m < modules.length; m++) {
            int[] c = columns[m];
            long expected = cin * c[0] + cin * c[1] + 9L * c[1] * c[2] + cin * c[3] + 25L * c[3] * c[4] + cin * c[5];
            assertEquals(expected, weights(conf, "inception_" + modules[m] + "/"), "inception_" + modules[m]);
            tableWeights += expected;
            cin = c[0] + c[2] + c[4] + c[5];
        }
        assertEquals(1024, cin);
        assertEquals(tableWeights + 1024 * 1000, weights(conf, "conv2/") + weights(conf, "inception_") + weights(conf, "output"));
        // Table 1's params column, in units of 1024 weights, from conv2 on (its conv1 entry, 2.7K,
        // is not 7x7x3x64 and its 4c and 4d entries are off by a few percent): 6,795K in all.
        assertEquals(6795 * 1024, tableWeights + 1024 * 1000, 0.02 * 6795 * 1024);

        ModelSummary s = ModelZoo.summarize(ModelConfig.paper(ModelConfig.GOOGLENET, 1000).with("aux-head", false));
        System.out.printf("googlenet: %,d parameters, %,d multiply-adds%n", s.totalParameters(), s.multiplyAdds());
        // The paper: "a computational budget of 1.5 billion multiply-adds at inference time".
        assertEquals(1.5e9, s.multiplyAdds(), 0.1e9);
    }

    @Test
    void googLeNetAuxiliaryHeadsSitOn4aAnd4d() {
        ComputationGraphConfiguration conf = ModelZoo.build(ModelConfig.paper(ModelConfig.GOOGLENET, 1000), 1);
        assertEquals(List.of("output", "aux1_output", "aux2_output"), conf.getNetworkOutputs());
        assertEquals(List.of("inception_4a/output"), conf.getVertexInputs().get("loss1/ave_pool"));
        assertEquals(List.of("inception_4d/output"), conf.getVertexInputs().get("loss2/ave_pool"));
        Map<String, InputType> t = conf.getLayerActivationTypes(InputType.convolutional(224, 224, 3));
        InputType.InputTypeConvolutional pooled = (InputType.InputTypeConvolutional) t.get("loss2/ave_pool");
        assertEquals(List.of(4L, 4L, 528L), List.of(pooled.getHeight(), pooled.getWidth(), pooled.getChannels()));
        InputType.InputTypeConvolutional last = (InputType.InputTypeConvolutional) t.get("inception_5b/output");
        assertEquals(List.of(7L, 7L, 1024L), List.of(last.getHeight(), last.getWidth(), last.getChannels()));
    }

    /** Weights (no biases) of the layers whose names start with {@code prefix}. */
    private static long weights(ComputationGraphConfiguration conf, String prefix) {
        long n = 0;
        for (var e : conf.getVertices().entrySet()) {
            if (e.getKey().startsWith(prefix) && e.getValue() instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof FeedForwardLayer layer) {
                long biases = layer.initializer().biasKeys(layer).isEmpty() ? 0 : layer.getNOut();
                n += layer.initializer().numParams(layer) - biases;
            }
        }
        return n;
    }
}
