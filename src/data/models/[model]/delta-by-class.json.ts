/** Data loader: data/models/<model>/delta-by-class.json of the repository, unchanged (see ../model-file.ts). */
import { emitModelFile } from "../model-file.js";

emitModelFile("delta-by-class.json");
