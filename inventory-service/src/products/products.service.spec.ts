import { ErrorCode } from '@flash-sale/contracts';
import type { RedisSyncService } from '../redis-sync/redis-sync.service.js';
import type { RedisUpdate } from '../redis-sync/redis-update.js';
import type { StockMovement } from '../stock-ledger/stock-movement.js';
import type { NewProduct, Product } from './product.js';
import type { CatalogueTransaction, ProductsRepository } from './products.repository.js';
import { ProductsService } from './products.service.js';

interface State {
  products: Map<string, Product>;
  movements: StockMovement[];
  redisUpdates: RedisUpdate[];
}

const T0 = new Date('2026-01-01T00:00:00.000Z');

/** The repository in memory; a transaction's writes are kept only if its work resolves. */
class FakeProductsRepository {
  state: State = { products: new Map(), movements: [], redisUpdates: [] };
  readonly events: string[] = [];

  list(): Promise<Product[]> {
    return Promise.resolve([...this.state.products.values()]);
  }

  find(productId: string): Promise<Product | null> {
    return Promise.resolve(this.state.products.get(productId) ?? null);
  }

  findMany(productIds: string[]): Promise<Product[]> {
    return Promise.resolve(
      productIds.flatMap((id) => {
        const product = this.state.products.get(id);
        return product ? [product] : [];
      }),
    );
  }

  async transaction<T>(work: (tx: CatalogueTransaction) => Promise<T>): Promise<T> {
    const draft: State = {
      products: new Map(this.state.products),
      movements: [...this.state.movements],
      redisUpdates: [...this.state.redisUpdates],
    };
    const result = await work({
      findForUpdate: (id) => Promise.resolve(draft.products.get(id) ?? null),
      insert: (product: NewProduct) => {
        if (draft.products.has(product.productId)) return Promise.resolve(false);
        draft.products.set(product.productId, { ...product, createdAt: T0, updatedAt: T0 });
        return Promise.resolve(true);
      },
      update: (id, changes) => {
        const current = draft.products.get(id)!;
        const defined = Object.fromEntries(
          Object.entries(changes).filter(([, value]) => value !== undefined),
        );
        draft.products.set(id, { ...current, ...defined });
        return Promise.resolve();
      },
      remove: (id) => {
        draft.products.delete(id);
        return Promise.resolve();
      },
      recordMovements: (movements) => {
        draft.movements.push(...movements);
        return Promise.resolve();
      },
      enqueueRedisUpdates: (updates) => {
        draft.redisUpdates.push(...updates);
        return Promise.resolve();
      },
    });
    this.state = draft;
    this.events.push('commit');
    return result;
  }
}

class FakeRedisSync {
  constructor(private readonly events: string[]) {}

  flush(): Promise<boolean> {
    this.events.push('flush');
    return Promise.resolve(true);
  }
}

const admin = { userId: '1' };
const phone: NewProduct = {
  productId: 'PHONE',
  name: 'Phone',
  priceCents: 49_900,
  stock: 10,
  maxPerUser: 1,
};

describe(ProductsService.name, () => {
  let repository: FakeProductsRepository;
  let service: ProductsService;
  const demo: NewProduct[] = [
    { productId: 'DEMO-B', name: 'B', priceCents: 200, stock: 20, maxPerUser: null },
    { productId: 'DEMO-A', name: 'A', priceCents: 100, stock: 10, maxPerUser: 2 },
  ];

  beforeEach(() => {
    repository = new FakeProductsRepository();
    service = new ProductsService(
      repository as unknown as ProductsRepository,
      new FakeRedisSync(repository.events) as unknown as RedisSyncService,
      demo,
    );
  });

  const movements = () => repository.state.movements.map((m) => [m.productId, m.kind, m.delta]);
  const redisUpdates = () => repository.state.redisUpdates;

  describe('get', () => {
    it('refuses an unknown product with PRODUCT_NOT_FOUND', async () => {
      await expect(service.get('NOPE')).rejects.toMatchObject({ code: ErrorCode.ProductNotFound });
    });
  });

  describe('create', () => {
    it('creates the product, opens its ledger and queues SET for Redis, flushing after commit', async () => {
      const product = await service.create(phone, admin);
      expect(product).toMatchObject({ productId: 'PHONE', stock: 10 });
      expect(repository.state.movements).toEqual([
        { productId: 'PHONE', kind: 'PRODUCT_CREATED', delta: 10, orderId: null, actorUserId: '1' },
      ]);
      expect(redisUpdates()).toEqual([
        {
          productId: 'PHONE',
          counter: { op: 'SET', amount: 10 },
          catalogue: { op: 'PUT', entry: { name: 'Phone', priceCents: 49_900, maxPerUser: 1 } },
        },
      ]);
      expect(repository.events).toEqual(['commit', 'flush']);
    });

    it('refuses an existing id with PRODUCT_EXISTS, writing nothing', async () => {
      await service.create(phone, admin);
      await expect(service.create({ ...phone, stock: 99 }, admin)).rejects.toMatchObject({
        code: ErrorCode.ProductExists,
      });
      expect(repository.state.products.get('PHONE')?.stock).toBe(10);
      expect(redisUpdates()).toHaveLength(1);
    });
  });

  describe('update', () => {
    beforeEach(async () => {
      await service.create(phone, admin);
      repository.events.length = 0;
    });

    it('takes the new stock as absolute and sends Redis the difference', async () => {
      const product = await service.update('PHONE', { stock: 4 }, admin);
      expect(product.stock).toBe(4);
      expect(movements()).toEqual([
        ['PHONE', 'PRODUCT_CREATED', 10],
        ['PHONE', 'ADMIN_ADJUSTMENT', -6],
      ]);
      expect(redisUpdates()[1]).toMatchObject({ counter: { op: 'ADJUST', amount: -6 } });
      expect(repository.events).toEqual(['commit', 'flush']);
    });

    it('leaves the counter alone when only the name or price change', async () => {
      await service.update('PHONE', { name: 'Phone 2', priceCents: 100 }, admin);
      expect(redisUpdates()[1]).toEqual({
        productId: 'PHONE',
        counter: { op: 'NONE' },
        catalogue: { op: 'PUT', entry: { name: 'Phone 2', priceCents: 100, maxPerUser: 1 } },
      });
      expect(movements()).toHaveLength(1);
    });

    it('removes the cap when maxPerUser is null', async () => {
      const product = await service.update('PHONE', { maxPerUser: null }, admin);
      expect(product.maxPerUser).toBeNull();
      expect(redisUpdates()[1]).toMatchObject({ catalogue: { entry: { maxPerUser: null } } });
    });

    it('writes nothing when nothing differs', async () => {
      await service.update('PHONE', { stock: 10, name: 'Phone' }, admin);
      expect(redisUpdates()).toHaveLength(1);
      expect(repository.events).toEqual(['commit']);
    });

    it('refuses an unknown product with PRODUCT_NOT_FOUND', async () => {
      await expect(service.update('NOPE', { stock: 1 }, admin)).rejects.toMatchObject({
        code: ErrorCode.ProductNotFound,
      });
    });
  });

  describe('remove', () => {
    it('deletes the product, zeroes its ledger and queues the removal of its Redis entries', async () => {
      await service.create(phone, admin);
      await service.remove('PHONE', admin);
      expect(repository.state.products.has('PHONE')).toBe(false);
      expect(movements()).toEqual([
        ['PHONE', 'PRODUCT_CREATED', 10],
        ['PHONE', 'PRODUCT_DELETED', -10],
      ]);
      expect(redisUpdates()[1]).toEqual({
        productId: 'PHONE',
        counter: { op: 'REMOVE' },
        catalogue: { op: 'REMOVE' },
      });
    });

    it('refuses an unknown product with PRODUCT_NOT_FOUND', async () => {
      await expect(service.remove('NOPE', admin)).rejects.toMatchObject({
        code: ErrorCode.ProductNotFound,
      });
    });
  });

  describe('initializeDemoCatalogue', () => {
    it('creates the demo products with their counters', async () => {
      const result = await service.initializeDemoCatalogue(admin);
      expect(result.created).toEqual(['DEMO-A', 'DEMO-B']);
      expect(result.products.map((p) => p.productId)).toEqual(['DEMO-A', 'DEMO-B']);
      expect(redisUpdates().map((u) => [u.productId, u.counter])).toEqual([
        ['DEMO-A', { op: 'SET', amount: 10 }],
        ['DEMO-B', { op: 'SET', amount: 20 }],
      ]);
    });

    it('is idempotent: an existing product keeps its stock, its counter is only set if missing', async () => {
      await service.initializeDemoCatalogue(admin);
      await service.update('DEMO-A', { stock: 3 }, admin);
      const again = await service.initializeDemoCatalogue(admin);

      expect(again.created).toEqual([]);
      expect(repository.state.products.get('DEMO-A')?.stock).toBe(3);
      expect(
        redisUpdates()
          .slice(-2)
          .map((u) => [u.productId, u.counter]),
      ).toEqual([
        ['DEMO-A', { op: 'SET_IF_MISSING', amount: 3 }],
        ['DEMO-B', { op: 'SET_IF_MISSING', amount: 20 }],
      ]);
      expect(movements().filter(([, kind]) => kind === 'PRODUCT_CREATED')).toHaveLength(2);
    });
  });
});
