import { ProtocolError } from "../../../../provider/libvirt/errors";
import {
  KEEPALIVE_PROGRAM,
  KeepaliveProcedure,
  MessageStatus,
  MessageType,
  REMOTE_PROGRAM,
  RemoteProcedure,
} from "../../../../provider/libvirt/protocol/constants";
import { callHeader, decodeHeader, encodeFrame, framePayload, messageHeader } from "../../../../provider/libvirt/protocol/header";

/** CALL of REMOTE_PROC_AUTH_LIST, serial 1, void args: a bare 28-byte frame. */
const AUTH_LIST_CALL = Buffer.from([
  0x00, 0x00, 0x00, 0x1c, // length 28 (includes itself)
  0x20, 0x00, 0x80, 0x86, // program REMOTE_PROGRAM
  0x00, 0x00, 0x00, 0x01, // version 1
  0x00, 0x00, 0x00, 0x42, // procedure 66 AUTH_LIST
  0x00, 0x00, 0x00, 0x00, // type CALL
  0x00, 0x00, 0x00, 0x01, // serial 1
  0x00, 0x00, 0x00, 0x00, // status OK
]);

/** REPLY of REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, serial 7, ret { int supported = 1 }. */
const SUPPORTS_FEATURE_REPLY = Buffer.from([
  0x00, 0x00, 0x00, 0x20, // length 32
  0x20, 0x00, 0x80, 0x86, // program REMOTE_PROGRAM
  0x00, 0x00, 0x00, 0x01, // version 1
  0x00, 0x00, 0x00, 0x3c, // procedure 60 CONNECT_SUPPORTS_FEATURE
  0x00, 0x00, 0x00, 0x01, // type REPLY
  0x00, 0x00, 0x00, 0x07, // serial 7
  0x00, 0x00, 0x00, 0x00, // status OK
  0x00, 0x00, 0x00, 0x01, // payload: supported = 1
]);

/** KEEPALIVE PING: MESSAGE, serial 0, empty payload. */
const PING = Buffer.from([
  0x00, 0x00, 0x00, 0x1c, // length 28
  0x6b, 0x65, 0x65, 0x70, // program KEEPALIVE_PROGRAM "keep"
  0x00, 0x00, 0x00, 0x01, // version 1
  0x00, 0x00, 0x00, 0x01, // procedure PING
  0x00, 0x00, 0x00, 0x02, // type MESSAGE
  0x00, 0x00, 0x00, 0x00, // serial 0
  0x00, 0x00, 0x00, 0x00, // status OK
]);

/** REPLY with status ERROR and a serial above 2^31 (serial is unsigned). */
const HIGH_SERIAL_ERROR = Buffer.from([
  0x00, 0x00, 0x00, 0x1c, // length 28
  0x20, 0x00, 0x80, 0x87, // program QEMU_PROGRAM
  0x00, 0x00, 0x00, 0x01, // version 1
  0x00, 0x00, 0x00, 0x01, // procedure 1 DOMAIN_MONITOR_COMMAND
  0x00, 0x00, 0x00, 0x01, // type REPLY
  0xff, 0xff, 0xff, 0xfe, // serial 4294967294
  0x00, 0x00, 0x00, 0x01, // status ERROR
]);

const cases = {
  "AUTH_LIST call": {
    frame: AUTH_LIST_CALL,
    header: { length: 28, prog: REMOTE_PROGRAM, vers: 1, proc: RemoteProcedure.AUTH_LIST, type: MessageType.CALL, serial: 1, status: 0 },
    payload: [],
  },
  "SUPPORTS_FEATURE reply": {
    frame: SUPPORTS_FEATURE_REPLY,
    header: { length: 32, prog: REMOTE_PROGRAM, vers: 1, proc: 60, type: MessageType.REPLY, serial: 7, status: MessageStatus.OK },
    payload: [0, 0, 0, 1],
  },
  "keepalive PING": {
    frame: PING,
    header: { length: 28, prog: KEEPALIVE_PROGRAM, vers: 1, proc: KeepaliveProcedure.PING, type: MessageType.MESSAGE, serial: 0, status: 0 },
    payload: [],
  },
  "error reply with high serial": {
    frame: HIGH_SERIAL_ERROR,
    header: { length: 28, prog: 0x20008087, vers: 1, proc: 1, type: MessageType.REPLY, serial: 0xfffffffe, status: MessageStatus.ERROR },
    payload: [],
  },
};

describe("frame header", () => {
  test.each(Object.entries(cases))("decode %s", (_name, c) => {
    expect(decodeHeader(c.frame)).toEqual(c.header);
    expect([...framePayload(c.frame)]).toEqual(c.payload);
  });

  test.each(Object.entries(cases))("encode %s", (_name, c) => {
    const { length: _length, ...outgoing } = c.header;
    expect(encodeFrame(outgoing, Buffer.from(c.payload))).toEqual(c.frame);
  });

  test("callHeader and messageHeader build the fixed fields", () => {
    expect(encodeFrame(callHeader(REMOTE_PROGRAM, RemoteProcedure.AUTH_LIST, 1))).toEqual(AUTH_LIST_CALL);
    expect(encodeFrame(messageHeader(KEEPALIVE_PROGRAM, KeepaliveProcedure.PING))).toEqual(PING);
  });

  test.each([
    ["shorter than 28 bytes", PING.subarray(0, 27)],
    ["length word disagrees with size", Buffer.concat([PING, Buffer.alloc(4)])],
  ])("rejects a frame %s", (_name, frame) => {
    expect(() => decodeHeader(frame)).toThrow(ProtocolError);
  });
});
