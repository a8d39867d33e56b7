package org.vaelab.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vaelab.spec.NetKind;
import org.vaelab.spec.RunSpec;
import org.vaelab.spec.yaml.SpecError;
import org.vaelab.spec.yaml.SpecException;
import org.vaelab.spec.yaml.SpecLoader;

/** Sweeping {@code model.encoder}/{@code model.decoder} over layer lists: expansion, run names, dry-run table. */
class LayerListSweepTest {
    private static List<RunSpec> expand(String yaml) throws Exception {
        return SweepExpander.expand(SpecLoader.parse(yaml, "lists.yaml", List.of()));
    }

    @Test
    void shortListsAreNamedByTheirLayersLabels() throws Exception {
        List<RunSpec> runs = expand("""
                name: enc
                sweep:
                  grid:
                    model.encoder:
                      - [{conv: 16, stride: 2, padding: 1}, relu, flatten]
                      - [{conv: 16, kernel: 5}, {maxpool: 2}, tanh]
                      - mlp
                    loss.beta: [1, 4]
                """);
        assertEquals(List.of("encoder=conv16k3s2p1-relu-flatten,beta=1", "encoder=conv16k3s2p1-relu-flatten,beta=4",
                "encoder=conv16k5-maxpool2-tanh,beta=1", "encoder=conv16k5-maxpool2-tanh,beta=4",
                "encoder=mlp,beta=1", "encoder=mlp,beta=4"), runs.stream().map(RunSpec::name).toList());
        assertEquals(NetKind.LAYERS, runs.get(0).config().model().encoder());
        assertEquals(NetKind.MLP, runs.get(4).config().model().encoder());
        assertEquals(6, runs.stream().map(RunSpec::id).distinct().count());
    }

    @Test
    void aListWhoseLabelIsTooLongNamesEveryValueOfItsKeyByIndex() throws Exception {
        String notebook003 = "[{conv: 16, kernel: 3, stride: 2, padding: 1}, relu, {conv: 32, kernel: 3, stride: 2,"
                + " padding: 1}, relu, {conv: 64, kernel: 7}, relu]";
        List<RunSpec> runs = expand("name: long\nsweep:\n  zip:\n    model.encoder: [[flatten], " + notebook003
                + "]\n    model.latent_dim: [2, 16]\n");
        // conv16k3s2p1-relu-conv32k3s2p1-relu-conv64k7-relu is 49 characters, under the limit...
        assertEquals("encoder=flatten,latent_dim=2", runs.get(0).name());
        assertEquals("encoder=conv16k3s2p1-relu-conv32k3s2p1-relu-conv64k7-relu,latent_dim=16", runs.get(1).name());
        // ...two more layers take it over: both values of the key are then named by their index in the list.
        String longer = notebook003.replace("relu]", "relu, {conv: 64, kernel: 1}, relu]");
        runs = expand("name: long\nsweep:\n  zip:\n    model.encoder: [[flatten], " + longer
                + "]\n    model.latent_dim: [2, 16]\n");
        assertEquals(List.of("encoder=#0,latent_dim=2", "encoder=#1,latent_dim=16"),
                runs.stream().map(RunSpec::name).toList());
        assertTrue(SweepExpander.MAX_LIST_LABEL < "conv16k3s2p1-relu-conv32k3s2p1-relu-conv64k7-relu-conv64k1-relu".length());
    }

    @Test
    void twoSpellingsOfOneListAreOneValue() {
        SpecException e = assertThrows(SpecException.class, () -> expand("""
                name: twice
                sweep:
                  grid:
                    model.decoder:
                      - [{linear: 784}, layernorm]
                      - [linear: 784, layernorm]
                """));
        assertEquals(List.of("lists.yaml:6:9: sweep.grid.model.decoder[1]: repeats sweep.grid.model.decoder[0] "
                + "(linear784-ln): two runs would be identical; list each value once"),
                e.errors().stream().map(SpecError::format).toList());
    }

    @Test
    void aFlatListOfLayersUnderASweepKeyAsksForTheOuterList() {
        SpecException e = assertThrows(SpecException.class, () -> expand("""
                name: flat
                sweep:
                  grid:
                    model.encoder: [flatten, {linear: 64}, relu]
                """));
        assertEquals(1, e.errors().size());
        assertTrue(e.errors().get(0).format().startsWith("lists.yaml:4:5: sweep.grid.model.encoder: each value of "
                + "model.encoder is mlp, conv or a whole layer list: write [[...]]"), e.getMessage());
    }
}
