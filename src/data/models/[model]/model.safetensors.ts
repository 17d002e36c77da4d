/** Data loader: data/models/<model>/model.safetensors of the repository, unchanged (see ../model-file.ts). */
import { emitModelFile } from "../model-file.js";

emitModelFile("model.safetensors");
