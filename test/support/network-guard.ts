/**
 * Active in every suite (jest `setupFilesAfterEnv`): any connection to an address other than loopback, and any
 * DNS lookup of a name other than `localhost`, throws. Local AWS runs on 127.0.0.1; nothing else is reachable.
 */
import dns from 'node:dns';
import net from 'node:net';
import { installNetworkGuard } from './network-guard-core';

installNetworkGuard({ net, dns });
