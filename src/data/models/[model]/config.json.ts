/** Data loader: data/models/<model>/config.json of the repository, unchanged (see ../model-file.ts). */
import { emitModelFile } from "../model-file.js";

emitModelFile("config.json");
