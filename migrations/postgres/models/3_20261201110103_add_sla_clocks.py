from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "tickets" ADD "sla_breach_at" TIMESTAMPTZ;
        ALTER TABLE "tickets" ADD "sla_response_minutes" INT;
        ALTER TABLE "tickets" ADD "sla_due_at" TIMESTAMPTZ;
        ALTER TABLE "tickets" ADD "sla_at_risk_event_at" TIMESTAMPTZ;
        ALTER TABLE "tickets" ADD "sla_breached_event_at" TIMESTAMPTZ;
        ALTER TABLE "tickets" ADD "sla_resolution_minutes" INT;
        ALTER TABLE "tickets" ADD "sla_warn_at" TIMESTAMPTZ;
        ALTER TABLE "sla_policies" ADD "match_key" VARCHAR(40) UNIQUE;
        CREATE INDEX IF NOT EXISTS "idx_tickets_sla_due_f74aa1" ON "tickets" ("sla_due_at");
        CREATE INDEX IF NOT EXISTS "idx_tickets_sla_at__6bcafe" ON "tickets" ("sla_at_risk_event_at", "sla_warn_at");
        CREATE INDEX IF NOT EXISTS "idx_tickets_sla_bre_868ea5" ON "tickets" ("sla_breached_event_at", "sla_breach_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "uid_sla_policie_match_k_834936";
        DROP INDEX IF EXISTS "idx_tickets_sla_bre_868ea5";
        DROP INDEX IF EXISTS "idx_tickets_sla_at__6bcafe";
        DROP INDEX IF EXISTS "idx_tickets_sla_due_f74aa1";
        ALTER TABLE "tickets" DROP COLUMN "sla_breach_at";
        ALTER TABLE "tickets" DROP COLUMN "sla_response_minutes";
        ALTER TABLE "tickets" DROP COLUMN "sla_due_at";
        ALTER TABLE "tickets" DROP COLUMN "sla_at_risk_event_at";
        ALTER TABLE "tickets" DROP COLUMN "sla_breached_event_at";
        ALTER TABLE "tickets" DROP COLUMN "sla_resolution_minutes";
        ALTER TABLE "tickets" DROP COLUMN "sla_warn_at";
        ALTER TABLE "sla_policies" DROP COLUMN "match_key";"""


MODELS_STATE = (
    "eJztXW1zozgS/isU92W2LjuVcd7mcldX5TieiXedeCp2Zvd2vEVhW7G5YPACTia3O//9JP"
    "EmQGBkDMZMf5kJklrgp6VWd6vV+lNemjOk22/bK+1n9CpfSn/KhrpE+I9YzZEkq6tVWE4K"
    "HHWi06bqSlOe0CstVCe2Y6lTB5c/qrqNcNEM2VNLWzmaaZDWbUk3jfmPuvaMZtLUQjNkOJ"
    "qqS4+mJWmGg+aWSpra/5TshfliSKYxxb3YjombSqotqdLwpv1j6+xcWqj24i156cyc4rdq"
    "xryk/teG9scaKY45R84CWfgtX37HxZoxQ1+R7T+unpRHDemzCIzajHRAyxXndUXLeobzgT"
    "Yknz5Rpqa+Xhph49WrszCNoDX+ZlI6RwbCX45I9461JsAaa133eOBj7X5p2MT9RIZmhh7V"
    "tU7YQ6jdDwjLZEW5G4yUYXekKHKCdT4Fg7ZXNMV4YrbjT7Xpr5+TT/ix9e704vT9yfnpe9"
    "yEfmZQcvHNfXUIjEtI4bkbyd9oveqobguKcQgq/T8Ba2ehWnxc/fYxZPEnx5H1ccyC1i8I"
    "sQ1HehXgLtWvio6MubPAj++OjzOg/Ny+79y079/gVj+QV5p4arpz9s6rarl1BO8Q35WFHr"
    "WvIgiHFE3E+DwPxOfpCJ/HAcbSUiHSRQRilmY3IO9XRkQgPj/NAfH5aSrEpCoKMZb8BApF"
    "dZIgX+MaR1siPtBRyhjUM4/0rf/HIY5u/ANnA0N/9VieAf2od9sdjtq3n8jrlrb9h07xa4"
    "+6pKZFS19jpW/iMyHoRPqlN7qRyKP02+CuS+E1bWdu0TeG7Ua/yeSb1LVjKob5oqgzZnT6"
    "pT5qEa7rqu0oa3srvsdpd8B575PrwvgDYbSPSSanLfRsPm3F5yglcLnOXMbT0VKEdGiGYr"
    "MifQjCege6NLFOHp+4qjSBK4nuB2wMaXMDW34U5B7+IhWbSRxQPTPxwevmwMD95o8evzSc"
    "zZb6Ephz7KDCvx3/YuS42lp72Glfd2WK8ESdPr2o1kyJQE1qzJYZKwnaJquWrWW8RDXUOQ"
    "WH/AryzR7qHy1zvZI5VrtbcZRltM9Jk3wmezqcYBiDYVwXaMs3i8GkSEe/WSZFYsFMl++M"
    "7EXLCbLsheaK1ej4uPKIP/x8j3TqgExfTKn0vqW9HeBQSFtTI1PJnppkTBSHaUg6aipKqm"
    "1jLQzLDUebPiGnIF4j2snB2jNJqEpXrbw5mKZghVN0g5qleKJh99rWF/cFdJOCqOC/g/q1"
    "R/XLZbYQtCwJ2KsBxuABqMwDEAiQgi6AwOY8MHjz+gDYmcp3AsSHLfhVDtmv4mqWaWt/oH"
    "duWvpDTXdzaMTAQBJtLyHDsV4vJVXqYKbPTev1SDIt5lH6uzTCI+Wt1HPQ0pYM9Ixw9eMj"
    "mjpeD2+Gn7od6d0PyQCJ0t6SrZ9MvU4pRmSUg66yT13FZ4fY2hqjgvWVo7GAFrh7TEm9GK"
    "QMxVaI1swIBiWwFgqLmBLILnkFge0wXTUU29jaEoH3vjsc3fc6IzkhFXaAresYG73mciTW"
    "TC7kBZcRhynA7kfVHiLbxj95ZD4hQ+Yo25H6THXbdlti9RM3FYhFnmuG5NG+lcgWhoSV1y"
    "AG2HykjxOkWlj3pX1Lmu2FC/ODj4t2CJuq9dKUKY+EwzWjVI3bYN19wCb6utIsZG+xuxql"
    "bODu6oHspuaK6IJN9PQZ1qxNdPDiQxxfzbTgmvqbKeoc5dfnRrrSS34QBPE1S99ES1XTRV"
    "TNgKBxWmbrLI+aiVul6pm0LqpowunBEN9cYZKtjDDJVjJM0jL1FHy7xnqZWIiiZzM82rKw"
    "Tgxl+WHYvZfFwJbb17e9u0uJ/jc2sGr04cOlRP8bG6S/SynoVThuNVfYakbUapwbM80m8H"
    "AE9ZWJwVYN/qBnyWLMmGC6skZ+UFKtFXU1GPQjmvRVbxSD+OH2qouhp8jjRpqrOCR3Klaq"
    "bb+YWCMQdRgkCLeaAzVzT8bF+VkucX6WIc7P4gOcHtujXrdtz/yxxHAcDJwH4DyomfNgNd"
    "uS61FK4HpduM6Z7EFEt/C5Czb9zPbR8WGimwMbArlOEsDZFIGzKe7eXUGg4huXTUQKzqfk"
    "hsrXPwCpTUhZCH+rDVjlw2qla0XP0d3jTvIsfIcIkK4ZTzsZQH3cUUMxUh1HnS6WyCg61d"
    "pBRw1FylafsVh61tBLUeWAdPQZ99NYzWA90xyFnC8oLJ7apKsuOanQoFFV5m5iECrK2VFk"
    "w0jTdxW9SEwt57kV2Fo8lK1FyA9SZn4Q27QcxbRmvEiM1KEbJaou1OW41kOYWUms6YKk8h"
    "Xcv2LJYP9KYP8KXOzpQ/swna07TXITP9Ra0JPY6PQt7pAoBJLQ0ZTDBKlSJ89BQmTrqrIy"
    "dW1a2JYa6uon0hGYUvlMKXLuXeaYUbT8KMuE0siJ+d1bT1+CM2/0i+AI/fdrTe1bGQJ7Kg"
    "I12FNgT4E99T3bU/vNV1E75pZ73mkfR//rBnEVZ//3ZaiB9REZnBwbJDp00y0Rl29K4IzY"
    "tUHCJjkBowSMEjBKwCgBowSMEjBKjmpmlEDKx4qME8j7JguYJ/nyvtV4c/JQbBVWFgT7E9"
    "tj5G+CNGRY7nFX8lAGUJnG7tBRnbUrY+MpAN2ao8zkf7QNxCvKYMzuzpitUbziWR5L9izd"
    "kD1L2LFP+Gfxod2cpcOnrc5nIHcehqPBrSwGtnzX/eVSwv+MDaxIDPqfu9eXkv/X2Oj0B0"
    "NS4v6Pn+k78HP4rr2n78CgmxxPQ/oUCAgqZM7fzicXrffHgtzZcipkSRQf4otUhC/An1OB"
    "P2elksVYsXVV0KMTJQSfDvh0wKezm8BdiLOs3qRBjuN+FCetuVt1lJ3RnDbao1HzhDg+rH"
    "Tdw2veOO17V8mu0w2dZ1Vfcyydn4aDOz7UAUFcXGtTR/pL0jX7gKcpD2YCRUQm+/C+uW3/"
    "Gkcea/RXcWFLOriKXy4ImYUatmb6GBXILFR+SAdvRQiX1k2hHOWvB188fxp5ETPQcasvfs"
    "4XOqS9Vmz5TAmuEmJrk5e/kVI/1YfFe1H8mdFS6fPK0kxLc179rmxTf2aqyaGJGf6Z7LPq"
    "KJZmPynoGRmON3VJOearEWk4we+aLnBv8ZZuBW0LnsBKPYFrP+VUTmBDgp1c/9UAcBmfx3"
    "ryXzTlrHnpqh1D0sBIoVISk7JflkB6hL6mDNwYWSPQzlIeur+OsvW6QHfoD+4++s3jyl4q"
    "9MrCWXKyqefCP6BtQireqnkQrM88mb15j4Elr87BeiIGvty57416nXb/Uno3Nm56H2+wLB"
    "kbt93r3sMt7m1s9Ae/XEqnOfcSXDF/0ro4DyQ8ecgS7sPbdr/PuYOU6FWK8E0CMbImDPsK"
    "LhQgivgT/gbFQo8iaMfpdgJ3jdwmJ60cWJ+0UqEmVbGrBYiWv6ai2TAdXpBPulzn0TZhgF"
    "ct11lLKwF/ttMkRgq51uvjJOFEi+qmvd12EksIPK4zjy1krjD4onH3LBns0Qrs0T5qFtav"
    "MANX+O1oi7nF7QDmWL3nmMcszxspvmbGyYHfNee3r2duzfFkB8DzOvOcZmgioUszxUb4d8"
    "44lkl6MBmXGILKEl5rBifNcxmJzCsePUyruk+rYP1basaaa/JnTiwe+U42hPbt1iphcjEL"
    "z9ZgczoAuPlw+7vOW4gxhhQkWN0lWBgzsAWnI8TA67rzejuNP0oJXK47l3lxRKL85vUBnK"
    "8757mBYdvJ9FgnwPs68x4O16SrxocZKAwXz36PXE8LD+feaummExEK5+XSggHMyfjlhZFv"
    "BW+hRKkNBxaSPJWGrLeST0SxjdPBsE2CS/IRicHKUACgSUCDszViqMbJANqUjSh6jYoYtg"
    "k6AJcDLj01JggsSwNrFwdVUl9tPvoGDtPEGVLI+Fhmxsf4+N0BtkLp/ms2gvOCy0zcHMBq"
    "XhLHgsDmzAV5oJAyqmYOSMOz0wVBDRMfNlQORNbtHMhGzosXBPfBRod72GMjsnE1Pge4oZ"
    "kK6G5av+IWfQRe/BXS3UO/L3MdXgDuBnBjPr780DKpJwoC/NHvp9EIR53UOXAO7dddLG7N"
    "u4o0sbzF7f0UjNNT0bBL30ovfP3rPe6kSXZFZHTqmvFkK+aas1cnnuKujztrNlAaJykF4B"
    "RZVhxHnS6WyCiaNbEddNRYqNYzzVHwD7QKy6g26aqLe2rQwhDBCkuoifm1GEgD2sctsm11"
    "3iBXRqnZON3Fj5N5LVgV0xOvMatvyYnXnCANHJvvDHKNVZlrDJKnVJg8ZWLOOOZEehoPvz"
    "3kxdoidwcBTzghVoSoCaO6atTxe5FlqBzQM7MssGSQZQEy4X/HYZt5gnURthu2YnqEEMLw"
    "6xOZm+Sx6z3bhslRSuBynbmMKxemYNxahAYCVjgRQO418GIxQCwNxFVtDgMKrfedBKocIM"
    "C5o1TYoRXZF+m0h532dVfmiATYO920s8dKwQK7TftxfR8I6KV6KZltldRLIvxNl00XRSh0"
    "p2f3Tssvsm2uLXeWOaqFK1wPJVyTuieHJT86Mt9dnj5tnf1p8n23jxXTa2U0IPd3+n+PjU"
    "/t++7dSBl8uJSCP8dG56bXv6aF/l+4rP0wxERX/8GF/p9e6dArGo6N64dP/V4Hd0+p2Sem"
    "zu0l8ijnGwZRb2qeu0Jb6XeFtpJ3hYLf4zv0e8CxtDJPo9CFTvA0CksDVhPPFqVKg6Atyt"
    "IAqptt0VBHA1t0Q5weO2E326KeygvAbjby2Tm7GViIQN95BHq6sV+mEctY/RwjNuoTSDdi"
    "Y06IagJvfncvEyQRQRB1U6kR+6hh00hdphiyfGxZmjobsFsH3JRwLR1+o0PSjqU7DVLshR"
    "hdA/F+18oawj7euFUq3rQuZkJo/+PgfKXN0w0Ij6JJWu4/Wq2Tk4vW8cn5+7PTi4uz98eB"
    "/EhWZXHhqveRyJII/rwsArh2jhRRgRKng6vMYwP8PBHAB16ndOib63WiKpJoapmQBHxNsE"
    "NfDarrlW6qsy38o0lCGLQQALGvAAjLP6RSENe8R0BrNmzz5z0I15jNoDJTHDxOG5BNisNa"
    "uZyG6jOafdbQi8zxOIWVR1kOJ5s0U55xu1KCJswXwx0g9OsgYmKfziZRu7DBTqZ3x3kCEX"
    "CrdKfHcSIUwcZIItFrRUMiOO4idKmo7iCLE6j303Bwl+o39UniZrc2daS/JF2zS1O+5H89"
    "ro0pwVKarPGHaIb9lrz233L1bCAQRdiQOO8VP9p1FDWlSQfx8162aXFU4Aynk9e+OuEiP3"
    "y6pqFL191hpyzYy74MHhxP6dA31/FEtSgxS54lAR/JZiM+UFSrMYjqhm5ei4gdVnxbc0+m"
    "UJBZi2cKsWm3MkwhP3VVFVkvwPT5fkyfGm2FlWL4rCzNtDSH40/CA3dzND5LXmN3s9y574"
    "16nXYfozg2bnofb/DwHBu33evewy3W9cZGf/DLpXQqi4z4k9bFeTDYyUPWOB/etvt9ni1k"
    "2U6RO4PTOwDNgXvLRIErg3d4XXDTcV6qznShPCGOXEmX3BGinSRuqZH0Ps0jvE/TZfcpHJ"
    "8Be/Jyn/dl1WwjqJE3ZNQM49zh3RkXZOSwLuP78QUPcefeiz8QtEs9wM3kL+XFvkeym2bE"
    "vtOEqro5L934Tks5SeLgkeFgWySI+PUe8ZiktZCgcl8mPB4LpqXg346EElTGyJqQyi+2x5"
    "DLoj/JsOhPkha9OvWlowDOfHnahO3i3QcQx6RMXpRjZA2EevdbZqEEFweaK5ybAPPuRzQk"
    "/Kw2AmKCHrENkUQ7PQAipCgU/1Cz1bDqQAf1kXsXVzrsAQGgvj3q4KdKF+zN9VO5yrtYTk"
    "yGBDxUdTlw00BQM9x+dAzuwOfX7OB6dqbmuIit+lM2B4prjkM2+4nRiV7gw3EUJm74SfcV"
    "hhcKlewoDC+2NdBXB2sRDlqunMBbOF2ohuG6lryW4Bas1C3IMCCvbc+QNNCyf3eeJ8Anrt"
    "Qx8T3nccveMVfaVATggKCB8O7ecbJSX8kpMxGTkiGp/ihDg6zKtFvL82WRDakrPMTwqXt3"
    "3bv7KItxwCe7lLw/xsbQLxkyJSP6OBobH9q9fvf6UnL/l7eRQ/kCDTPiDBObEu7aKxJtxZ"
    "JUF2N1XOu1lImKjWk0CVyzPSsccrhjpM53jOgquavPsnjGafpVaFGqJmygZvG0jLvQwHmZ"
    "LtKa67y0SeI4cZYzZCBN6yxNwZPaxNQ6NcO3uNNv30lK2sjSpguZFxfo1hxlxgSGbeA03i"
    "FN6qMMn90zsmzB8DKGpIFOpVJy3pJJJYCw17yB6JZy5tHLDCzitWNIwGsn6LVL6AhVLmbf"
    "/g9m/J7J"
)
