import { Worker } from 'node:worker_threads';
const w = new Worker(process.argv[2]!, { workerData: null });
w.on('message', (m) => console.log('msg', m));
w.on('error', (e) => console.log('err', e));
w.on('exit', (c) => console.log('exit', c, performance.now()));
