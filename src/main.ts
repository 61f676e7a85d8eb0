/** Orchestration: inputs → sense → report → upload → fail or not. Filled in by the engine work. */
export async function run(): Promise<void> {}
