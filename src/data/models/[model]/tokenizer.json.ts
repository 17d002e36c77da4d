/** Data loader: data/models/<model>/tokenizer.json of the repository, unchanged (see ../model-file.ts). */
import { emitModelFile } from "../model-file.js";

emitModelFile("tokenizer.json");
