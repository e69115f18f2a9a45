from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Quick search (resolvers/tickets/search.py): an FTS5 trigram table over the subjects (external content: it
    # stores the index only), kept in step with "tickets" by triggers that need no function of ours, so rows
    # written by any client stay searchable; filled once from the rows already there.
    return """
        CREATE VIRTUAL TABLE IF NOT EXISTS "tickets_subject_search" USING fts5(
            "subject", content='tickets', content_rowid='id', tokenize='trigram'
        );
        CREATE TRIGGER IF NOT EXISTS "tickets_subject_search_insert" AFTER INSERT ON "tickets" BEGIN
            INSERT INTO "tickets_subject_search" ("rowid", "subject") VALUES (new."id", new."subject");
        END;
        CREATE TRIGGER IF NOT EXISTS "tickets_subject_search_delete" AFTER DELETE ON "tickets" BEGIN
            INSERT INTO "tickets_subject_search" ("tickets_subject_search", "rowid", "subject")
                VALUES ('delete', old."id", old."subject");
        END;
        CREATE TRIGGER IF NOT EXISTS "tickets_subject_search_update" AFTER UPDATE OF "subject" ON "tickets" BEGIN
            INSERT INTO "tickets_subject_search" ("tickets_subject_search", "rowid", "subject")
                VALUES ('delete', old."id", old."subject");
            INSERT INTO "tickets_subject_search" ("rowid", "subject") VALUES (new."id", new."subject");
        END;
        INSERT INTO "tickets_subject_search" ("tickets_subject_search") VALUES ('rebuild');"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TRIGGER IF EXISTS "tickets_subject_search_update";
        DROP TRIGGER IF EXISTS "tickets_subject_search_delete";
        DROP TRIGGER IF EXISTS "tickets_subject_search_insert";
        DROP TABLE IF EXISTS "tickets_subject_search";"""


# The models did not change (an index the ORM cannot describe): the state is migration 1's.
MODELS_STATE = (
    "eJztXetz4jgS/1dcvi+zddmphEySudzVVRFCZtglIRXI7N5OtlwGBPHF2Kxt8rjd+d9Pkl"
    "+yLRsLsLE9/SUBSS2bn17drX78KS/MKdLt9+2l9jN6k8+lP2VDXSD8IVZzIMnqchmWkwJH"
    "Heu0qbrUlCf0RgvVse1Y6sTB5TNVtxEumiJ7YmlLRzMN0rot6aYx/1HXntFUmlhoigxHU3"
    "VpZlqSZjhobqmkqf1PyX40XwzJNCa4F9sxcVNJtSVVGn5u/9g6OZUeVfvxPXno1Jzgp2rG"
    "vKD+V4b2xwopjjlHziOy8FO+/o6LNWOKXpHtf10+KTMN6dMIjNqUdEDLFedtSct6hnNFG5"
    "JXHysTU18tjLDx8s15NI2gNX5nUjpHBsJvjkj3jrUiwBorXffGwMfafdOwifuKDM0UzdSV"
    "ToaHULsvEJbJinIzGCnD7khR5MTQ+RQM2l7RBOOJhx2/qk1//Zy8wo+tow9nHz4en374iJ"
    "vQ1wxKzr65jw6BcQkpPDcj+RutVx3VbUExDkGl/xOwdh5Vi4+r3z6GLH7lOLI+jlnQ+gUh"
    "tuFMLwPchfqq6MiYO4/469HhYQaUX9p3nc/tu3e41Q/kkSZemu6avfGqWm4dwTvEd2mhmf"
    "YqgnBI0USMT/NAfJqO8GkcYLxbKmR3EYGYpdkNyPvdIyIQn37IAfHph1SISVUUYrzzEygU"
    "1UmCfIlrHG2B+EBHKWNQTz3S9/6HOs5u/AOnA0N/84Y8A/pR77o7HLWvb8njFrb9h07xa4"
    "+6pKZFS99ipe/iKyHoRPqlN/oska/Sb4ObLoXXtJ25RZ8Ythv9JpN3UleOqRjmi6JOmdnp"
    "l/qoRUZdV21HWdkbjXucdgcj771yVQa+JgPtY5I50hZ6Np82GucoJYxylUcZL0dLEeKhGY"
    "r1jHQdNusd8NJEOpk9cVlpAlcS3SssDGlzA0t+FOQefiMVi0kcUD0x8d7rpmbgfvNnj18a"
    "rmZLfQnEOXZS4d+OfzFyXG6tPey0L7syRXisTp5eVGuqRKAmNWbLjJUEbZNVi9YiXqIa6p"
    "yCQ34FeWcP9U+WuVrKHKndrTjIEtrnpEk+kT0dThCMQTCuCrTFi8UgUqSj3yyRInFgpu/v"
    "zN6LFmNk2Y+au61G58eFR3z18x3SqQIy/TClu/c17a2GUyHtTI0sJXtikjmxPUxD0lFTUV"
    "JtG3NheN9wtMkTcrbEa0Q7qa08k4SqcNbKW4NpDFa4RNewWYq3Neye2/rqPoBeUhAW/Hdg"
    "v/bIfrmDLQQtSwLyaoAxaABK0wAEG8iWKoBA5qwZvHl1AOxK5SsB4tMW9Cp11qu4nGXa2R"
    "/wneuO/pDTXW8aMTCQRNtLyHCst3NJlTp40Oem9XYgmRbzVfq7NMIz5b3Uc9DClgz0jHD1"
    "bIYmjtfDu+FttyMd/ZA0kCjsKdn8ycTrlGJEZjnwKvvkVfzhEDtbY1RwvnI4FuACd48pqR"
    "eDlKHYCNGKCcHABFaCYRFjAtkjb0tgO0xXDcU2drZE4L3rDkd3vc5ITuwKO8DWVYyN3nIp"
    "Eiu2L+QFl9kOU4DdD6s9RLaNf/LIfEKGzGG2I/WZ7LbttsTsJ24qYIs81wzJo30vkSsMCT"
    "OvgQ2wOaNfx0i1MO9L+5Y02zMX5hsfb9shXKpWi1OmYyRsrhmlatwF6+4NNtHrUrOQvcHt"
    "apSygberNblNzWXRBZfo6SusWZfooMUHO76KccEV1TdT1DnMrz8a6Uwv+UFgxNcsfhMtVE"
    "0XYTUDgsZxma2TPGwmbpXKZ9K6KKMJ3oMhvrnMJFsZZpKtpJmkZeop+HaN1SJxEEV9Mzza"
    "orBOTGX5fti9k8XAltuX172bc4n+ezAwa3R1dS7Rfw8G6e9cCnoVtlvNZbaaYbUaH42pZh"
    "N4OBv1hYnBVg3+pGfJYoMxxnRFzfygpFwp6mIw6Ec46YveKAbx/fVFF0NPkceNNJdxSN5U"
    "LFXbfjExRyCqMEgQbrQGKqaejG/nJ7m285OM7fwkPsGp2x7Vum3q88cSgzsYKA9AeVAx5c"
    "FyuuGoRylh1Ksy6pzFHlh0C/tdsOFnNreODwPd1GwK5PIkAN8UAd8U9+5uS6DiF5dNRAr8"
    "U3JD5fMfgNQ6pCyE39UGrPJhtdS1bf3o7nAneQ6+OgKka8bTTiZQH3fUUIxUx1EnjwtkbL"
    "vU2kFHDUXKVp/xtvSsoZdtmQPS0RfcT2M5g9VUcxTiX7D19tQmXXWJp0KDZlWRt4mBqSjn"
    "RpE1I02/VfQsMbWcfitwtViXq0WID1JkfBDbtBzFtKY8S4zUqRslKs/U5bDSU5g5SazJIw"
    "nlK3h/xZLB/ZXA/RWo2NOndj2VrTsNchN3at1Sk9jo8C3ulNgKJCHXlHqCVKqSp5YQ2bqq"
    "LE1dm2wtSw119ZZ0BKJUPlGK+L3LHDGKlh9kiVAa8ZjfvfT0NfB5o28ELvTfrzS1b2YI5K"
    "kI1CBPgTwF8tT3LE/tN15F5Qa3WH+nfbj+Vw3iMnz/9yWogfQRmZwcGSQ6ddMlEXfclEAZ"
    "sWuBhA1yAkIJCCUglIBQAkIJCCUglBxUTCiBkI8lCScQ900WEE/yxX2r8OVkXWQVdi8I7i"
    "c2x8i/BGnItNzjrWRdJlCRwu7QUZ2Vu8fGQwC6NQeZwf9oG7BXlEGY3Z0wWyF7xZM8kuxJ"
    "uiB7kpBjn/DP4kO7PkqHT1uezkDu3A9Hg2tZDGz5pvvLuYT/PBiYkRj0v3QvzyX/04PR6Q"
    "+GpMT9j7/TZ+Dv4bP2Hr4Dg25yNA3pSyAgKHFw/nY6Pmt9PBQcnQ2XQtaO4kN8lorwGehz"
    "StDnLFVyGCu2rgpqdKKEoNMBnQ7odHZjuAt2luWLNMhx3JfihDV3qw6yI5rTRnsUap4QR4"
    "eVznt4zRvHfe8q2HW6oPOs6iuOpPPTcHDDhzogiG/X2sSR/pJ0za7xMuXBTKCI7Mk+vO+u"
    "27/Gkccc/UV8syUdXMSTC0JkoYadmT5GW0QWKt6kg3cihEfrOlOO4s+Dr54+jTyImei41V"
    "c/5gud0l4rtnyqBKmE2Npk8jdS6of6sHgPin9nuFT6fWlppqU5b35Xtqk/e9WgpCtVSbfy"
    "o0HlBDYk2ElmrgaAy6gjVuP/ognnOErnuhiSBhrxFBIzlH2zBNIj9JoycWNkjUA761zv/j"
    "rKZrmCY70/uPnkN4/zYanQK4/OghPoPBf+AW0TouSWPQbB0cnbs9er/1ny8nSfx2Lgy527"
    "3qjXaffPpaMH43Pv02e8lzwY193L3v017u3B6A9+OZc+5FTzu9v8cevsNNjhyZeszX143e"
    "73OelBCcujCAf5j5E1YdqXEOuf8MhP+B0UC81E0I7T7QTuCmk0jls5sD5upUJNqmJR/wkD"
    "vqJbs2E6PPub9H2dR9uECV72vs4KQQn4s/UZMVIIg14d/QXHkFM37c1uelhCGOMqj7GFzC"
    "UGX9QkniWD61OB69OZZmH+Cg/gEj8dbbC2uB3AGqv2GvMGa7raZMQ55DDeFR9vn8/ceMST"
    "HcCYV3nMafAkYlU0VWyEf+eUI5mk23lxicHeK6G1ZnDSPJWRyLri0cOyqvKyAmuz9MVVz5"
    "tzyMT0PY56mr0EN82L618ndInOpd3Jte++x3vXLvCeXcVG8G4VOajhwILXc2HIeif5WBTb"
    "OB1M2yS4xEFXDFaGAgBNAhoYm4mhGicDaFPEPxpXWAzbBB2AywGXmlEKAsvSwNnFQZXUlx"
    "ugsYHTFEKglBoCJT5/d4CtUPzLis3gvOAyCzcHsJoX1WRLYHMGR6kppAyrmQPS0JlgS1DD"
    "SCAN3Qci53YOZCMOFFuCe2/nSulc0xkbZ+NzgBuKqYDuuvMrLtFH4MVvId3c9/syV+EF4K"
    "4BN6bjyw8t44u1JcCf/H4ajXBUSZ0D51B+3cXh1rzcPInjLS7vp2CcJ55Bqamv68JPRGYn"
    "zX2tmCvOXV1h+a9rDJTGcQUDnPafKLyeUEH+69xY4R1qbL5uB9KA9nGNbFudN0iVUWh4Gv"
    "fw44QiCE7F9EgEzOlbcCQCJ4iLwAYAAA//Mj38wWWxRJfFsTnliBPpznN+e/BG38BjjoAn"
    "7IYeIWrCrC4bdfxcZBkqB/RM3yaWDHybIDTkd2y2mcdYF2G5YaNBjxCCGX51LHOTY+xqzz"
    "YZ5CgljHKVRxlXPpqCdmsRGjBY4VgAuXkRxWyAWBqwq8qRpjWQ3ndiqFJDgHNbqbBTK3Iv"
    "0mkPO+3LrszZEuDudN3NHrsLbnHbtB/Vd01ALyEJLr1WSY2a6l+6rE2CS296dq+0/Crb5s"
    "pyV5mjWrgCkuDuVWHJt47Ml9zGp62yPk2+6/YxY3qpjAYkoY3/+cG4bd91b0bK4OpcCj4+"
    "GJ3Pvf4lLfQ/4bL2/RATXfwHF/ofvdKhVzR8MC7vb/u9Du6eUrPfmDq3l8hXOd80iGpT8y"
    "TPaaUnz2klk+eA3uM71HuAW1qR3ij0oBP0RmFpQGriyaKUaRCURVkaQHW9LBryaCCLrrHT"
    "YxfselnUY3kB2PVCPrtm1wMLFug7t0BPF/aLFGIZqZ8jxEZ1AulCbEwJUY7hze9udg1iEQ"
    "RWN6UKsTMNi0aCCXBZmioLsBsb3BSQDAI/0cFrSklXGqTICzG6BuJ91MqTbRW3Ss9o20pm"
    "XNX+x8H5QpunCxAeRZO43H+0WsfHZ63D49OPJx/Ozk4+Hgb7R7IqaxQuep/IXhLBnxdFAN"
    "fOkSK6ocTpILdfbIKfJgz4QOuUDn1ztU6URRINLROSgK4JbujLQXW11E11uoF+NEkIkxYM"
    "IPZlAGH5Tipb4prXBbRi0zZ/3IPwjFkPKrPEQeO0BtnkdlgpldNQfUbTLxp6kTkap7DyID"
    "MBOWmmPON2hRhNmC+GO0Ho24HFxF6TuArKhQ1WMh0d5jFEwK3SlR6HCVMEGyOJRJP5hETg"
    "7iKUykd3kMUx1CMp4FP1pj5JXOzWJo70l6RrdmHMl/yv2cqYECyl8Qq/iGbY78lj/y2XPw"
    "wEosgwJPy94q5dB1FRmnQQ9/eyTUsso7HXvrzNRb6/vaSmS5fdYaco2ItOwQiKp3Tom6t4"
    "olyUmCTPkoCOZL0QHzCq5QhEVUM3r0TETiu+rLknUSiIrMUThdiwWxmikB+6qoyoFyD6fD"
    "+iT4WuwgoRfPada74c7VJls83HspIuNGPFTc6duoukdwCcAzfLRJAhUhxrPjHgDCEthKBu"
    "rqyzv1xOFbukaGT2hophnNv0OCN5Qw7JJ35XvKWDce574pqgXahzMRNbk2eXHYm8mWGXTY"
    "N96ua8cMEwLRwisdFGhoP55MAa1fuK5yStheCJ+xIv8VwwLQX/diQUPDFG1oQwczH9dy5p"
    "8zhD2jxOSpvqxN8dBXDm76dNuMrcvXFrbJfJi3KMrIFQ7/46J9zBxYHmbs5NgHn3MxqCUZ"
    "Z7Oz9GMyxDJNFOv5wPKba6m6/YaVj2Jbw64+aJSoc9IADUN0cd9FTpG3tz9VQu8y4Wr5Eh"
    "AQ1VVZxBGghqhtqPzsEd6PyabfjNrtQcScLK9wCpKa45HED2Yz8STS7DURQmss+k6wrDZD"
    "cFKwrDpKsGenUwF+GgxdIJtIWTR9UwXNWS1xLUgqWqBZkByCvbMyQNlOyPTvMYn8SZOsb2"
    "5DQu2TvmUpuIABwQNBDe3StOluob8YASESkZkvLN7BskVaZl1M4X4TSkLtHA/rZ7c9m7+S"
    "SLjYBPdi55Hx6MoV8yZEpG9Ovowbhq9/rdy3PJ/S9vsg/lM4LLsIFLXEq4Z6+IJRBLUp79"
    "z2Glz1LGYjPG0SRwzdascMgh/0WV81/oKskjZ1k84TQ9TVeUqgkXqFljWkSeLlBepm9pzV"
    "Ve2iSomfiQM2Swm1Z5NwVNahPDvlQM3+2VfvsOoNFGljZ5lHl2gW7NQaZNYNgGPMXqtKgP"
    "MnR2z8iyBc3LGJIGKpUKicdKFpUAwl7zBqJbiD+eF7VWRGvHkIDWTlBrl+ARyjzMvv0fRv"
    "0EEA=="
)
