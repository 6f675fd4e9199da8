/**
 * Per-test wiring for backend tests: a fresh {@link FakeLibvirtd} with a {@link FakeDomain}
 * on it, and the real {@link LibvirtHypervisor} opened through the fake's dialer. Everything
 * is torn down after each test, and a test fails if the backend sent args the fake could not
 * decode byte-exactly.
 */
import { LibvirtHypervisor } from "../../../../provider/backend/libvirt";
import { FakeLibvirtd } from "../../../fakes/libvirtd";
import { FakeDomain, type FakeDomainOptions } from "./fake-domain";

/** The URI the tests pass; the dialer, not the URI, decides where the bytes go. */
export const TEST_URI = "qemu:///system";

/** How to open the hypervisor. */
export interface OpenOptions {
  readonly useAgent?: boolean;
  /** Domain name to look up (default: the fake domain's). */
  readonly domain?: string;
}

/** Registers beforeEach/afterEach hooks and returns the per-test helpers. */
export function libvirtHarness() {
  let fake: FakeLibvirtd | undefined;
  let domain: FakeDomain | undefined;
  let hv: LibvirtHypervisor | undefined;

  beforeEach(async () => {
    fake = await FakeLibvirtd.start();
  });

  afterEach(async () => {
    await hv?.close();
    domain?.lifecycle.dispose();
    const wireErrors = domain?.wireErrors ?? [];
    [hv, domain] = [undefined, undefined];
    await fake?.stop();
    expect(wireErrors).toEqual([]);
  });

  const helpers = {
    /** The fake daemon of the running test. */
    get fake(): FakeLibvirtd {
      if (!fake) throw new Error("no fake libvirtd (outside a test?)");
      return fake;
    },
    /** Creates the fake domain. */
    install(o: FakeDomainOptions = {}): FakeDomain {
      domain = FakeDomain.install(helpers.fake, o);
      return domain;
    },
    /** Opens the hypervisor on the installed domain (the harness closes it). */
    async open(o: OpenOptions = {}): Promise<LibvirtHypervisor> {
      const name = o.domain ?? domain?.name ?? "fixture-xml";
      hv = await LibvirtHypervisor.open({ uri: TEST_URI, domain: name, useAgent: o.useAgent ?? true, dialer: helpers.fake.dialer });
      return hv;
    },
    /** install + open. */
    async start(d: FakeDomainOptions = {}, o: OpenOptions = {}): Promise<{ hv: LibvirtHypervisor; domain: FakeDomain }> {
      const dom = helpers.install(d);
      return { hv: await helpers.open(o), domain: dom };
    },
  };
  return helpers;
}

/** Epoch-ms deadline `ms` from now. */
export const deadlineIn = (ms: number): number => Date.now() + ms;
