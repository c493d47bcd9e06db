import { ErrorCode } from '@flash-sale/contracts';
import type { InventorySaleFacts } from '@flash-sale/common';
import type { StockLedgerRepository } from './stock-ledger.repository.js';
import { StockLedgerService } from './stock-ledger.service.js';

function serviceOver(facts: InventorySaleFacts): StockLedgerService {
  const repository: Pick<StockLedgerRepository, 'saleFacts'> = {
    saleFacts: (productId) =>
      productId === 'P1' ? Promise.resolve(facts) : Promise.reject(new Error(productId)),
  };
  return new StockLedgerService(repository as StockLedgerRepository);
}

describe(StockLedgerService.name, () => {
  describe('saleFacts', () => {
    it('answers the stock of record with the ledger', async () => {
      const facts: InventorySaleFacts = {
        product: { stock: 4 },
        ledger: [
          { kind: 'PRODUCT_CREATED', delta: 5, orderId: null },
          { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'o1' },
        ],
      };
      await expect(serviceOver(facts).saleFacts('P1')).resolves.toEqual(facts);
    });

    it('answers a deleted product (no row) with the ledger it kept', async () => {
      const facts: InventorySaleFacts = {
        product: null,
        ledger: [
          { kind: 'PRODUCT_CREATED', delta: 2, orderId: null },
          { kind: 'PRODUCT_DELETED', delta: -2, orderId: null },
        ],
      };
      await expect(serviceOver(facts).saleFacts('P1')).resolves.toEqual(facts);
    });

    it('answers PRODUCT_NOT_FOUND for an id with neither a row nor a ledger', async () => {
      await expect(
        serviceOver({ product: null, ledger: [] }).saleFacts('P1'),
      ).rejects.toMatchObject({ code: ErrorCode.ProductNotFound });
    });
  });
});
