/** The local platform's free-port helper is core's own (the flex template needs it too). */
export {freePorts, isPortOpen} from '../core/free-ports';
