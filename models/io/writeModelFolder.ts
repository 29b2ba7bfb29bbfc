/**
 * Writes a t2v model folder (what `t2v generate` and `t2v eval` open): each network in the tfjs layers
 * format in a subfolder named after it, `vocabulary.json`, and `t2v-model.json` last. The folder is
 * built under a temporary name and renamed into place when complete, so a reader never sees half a model.
 */
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { saveVocabulary, type Vocabulary } from '../../text/Vocabulary.ts';
import { writeFileAtomic } from '../../utils/atomicFile.ts';
import { StagingDirectory } from '../../utils/stagingDirectory.ts';
import { MODEL_JSON } from './modelFolder.ts';

export interface ModelFolderContents {
  /** t2v-model.json's content (format, version, kind, …). */
  info: object;
  /** Subfolder name -> network, saved in this order. */
  networks: Record<string, tf.LayersModel>;
  vocabulary: Vocabulary;
}

export async function writeModelFolder(dir: string, contents: ModelFolderContents): Promise<void> {
  const staging = await StagingDirectory.create(dir);
  try {
    for (const [name, network] of Object.entries(contents.networks)) await network.save(`file://${join(staging.path, name)}`);
    await saveVocabulary(join(staging.path, 'vocabulary.json'), contents.vocabulary);
    await writeFileAtomic(join(staging.path, MODEL_JSON), JSON.stringify(contents.info, null, 2) + '\n');
    await staging.publish();
  } catch (error) {
    await staging.discard();
    throw error;
  }
}
