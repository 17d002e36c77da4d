/** Data loader: data/models/<model>/model-card.json of the repository, unchanged (see ../model-file.ts). */
import { emitModelFile } from "../model-file.js";

emitModelFile("model-card.json");
