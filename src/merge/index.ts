import { runMerge } from './main.js'

await runMerge()
