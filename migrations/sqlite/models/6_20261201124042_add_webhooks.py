from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "webhooks" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "url" VARCHAR(2000) NOT NULL,
    "secret" VARCHAR(128) NOT NULL,
    "events" JSON NOT NULL,
    "enabled" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
        CREATE TABLE IF NOT EXISTS "webhook_deliveries" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "topic" VARCHAR(64) NOT NULL,
    "status" VARCHAR(10) NOT NULL /* PENDING: PENDING\nSENDING: SENDING\nSENT: SENT\nFAILED: FAILED */,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP,
    "response_code" INT,
    "response_body" TEXT,
    "duration_ms" INT,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "delivered_at" TIMESTAMP,
    "event_id" INT NOT NULL REFERENCES "outbox" ("id") ON DELETE CASCADE,
    "webhook_id" INT NOT NULL REFERENCES "webhooks" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_webhook_del_webhook_606fba" UNIQUE ("webhook_id", "event_id")
) /* One event for one webhook: claimed, retried and logged on its own, like an outbox email. */;
CREATE INDEX IF NOT EXISTS "idx_webhook_del_status_d0f04a" ON "webhook_deliveries" ("status", "next_attempt_at");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "webhooks";
        DROP TABLE IF EXISTS "webhook_deliveries";"""


MODELS_STATE = (
    "eJztXW1zozgS/isU92W2LjuVOK+Xu7oqx/FMvOvEU7Gzs7eTLQrbis0FgxdwMrnd+e8n8S"
    "pAwsgYjJn+MhMktcBPS63uVqv1p7wwp0i337eX2s/oTb6U/pQNdYHwH4maA0lWl8uonBQ4"
    "6lh3m6pLTXlGb26hOrYdS504uPxJ1W2Ei6bInlja0tFMg7RuS7ppzH7UtRc0lSYWmiLD0V"
    "RdejItSTMcNLNU0tT+p2TPzVdDMo0J7sV2TNxUUm1JlYY37R9bp2fSXLXn78lLp+YEv1Uz"
    "ZiX1vzK0P1ZIccwZcubIwm/58jsu1owp+ors4HH5rDxpSJ/GYNSmpAO3XHHelm5Zz3A+uA"
    "3Jp4+ViamvFkbUePnmzE0jbI2/mZTOkIHwlyPSvWOtCLDGStd9HgRYe18aNfE+kaKZoid1"
    "pRP2EGrvA6IyWVHuBiNl2B0pipxiXUBBoe0XTTCemO34U23318/IJ/zYOjo5P7k4Pju5wE"
    "3czwxLzr95r46A8QhdeO5G8je3XnVUr4WLcQSq+38K1s5ctdi4Bu0TyOJPTiIb4JgFbVAQ"
    "YRuN9CrAXahfFR0ZM2eOH48ODzOg/KV937lp37/DrX4grzTx1PTm7J1f1fLqCN4RvksLPW"
    "lfRRCOKJqI8VkeiM/4CJ8lAcbSUiHSRQRimmY7IO9WRsQgPjvJAfHZCRdiUhWHGEt+AoWi"
    "OmmQr3GNoy0QG+g4ZQLqqU/6PvhjH0c3/oHTgaG/+SzPgH7Uu+0OR+3bT+R1C9v+Q3fxa4"
    "+6pKbllr4lSt8lZ0LYifS5N7qRyKP02+Cu68Jr2s7Mct8YtRv9JpNvUleOqRjmq6JOqdEZ"
    "lAaoxbiuq7ajrOyN+J6k3QLn/U+uC+P3hNEBJpmcttCL+bwRn+OUwOU6cxlPR0sR0qEpiv"
    "WK9D4I6y3o0sQ6eXpmqtIErjS6H7AxpM0MbPm5IPfwF6nYTGKA6puJD343ewbut2D0BKXR"
    "bLbU19CcowcV/u34FyPH09baw077uiu7CI/VyfOrak2VGNSkxmyZiZKwbbpq0VokS1RDnb"
    "ngkF9BvtlH/aNlrpYyw2r3Kg6yjPYZaZLPZOfDCYYxGMZ1gbZ8sxhMCj76zTIpUgsmX75T"
    "shctxsiy55onVuPj48on/vDzPdJdByR/MXWl963b2x4OBd6aGptK9sQkY6I4TEPSUVNRUm"
    "0ba2FYbjja5Bk5BfEauZ3srT2Thqp01cqfgzwFK5qia9QsxRcN29e2vngvcDcpiAr+O6hf"
    "O1S/PGYLQUuTgL0aYgwegMo8AKEAKegCCG3OPYM3rw+AnqlsJ0By2IJfZZ/9Kp5myVv7Q7"
    "1z3dIfabrrQyMGBpLc9hIyHOvtUlKlDmb6zLTeDiTToh6lv0sjPFLeSz0HLWzJQC8IVz89"
    "oYnj9/Bu+KnbkY5+SAdIlPaWbP1k4nfqYkRGOegqu9RVAnaIra0JKlhfGRoLaIHbx5TUi0"
    "FKUWyEaM2MYFACa6GwiCmB9JJXENgO1VVDsU2sLTF477vD0X2vM5JTUmEL2HqOsdFbLkdi"
    "zeRCXnApccgBdjeq9hDZNv7JI/MZGTJD2Y7VZ6rbttcSq5+4qUAs8kwzJJ/2vUS2MCSsvI"
    "YxwOaT+zhGqoV1X7dvSbP9cGF28HHRDmFTtV6asssj4XDNOFXjNli3H7CJvi41C9kb7K7G"
    "KRu4u7onu6m5IrpgE50/w5q1iQ5efIjjq5kWXFN/s4s6Q/kNuMFXeskPgiC+ZumbaKFquo"
    "iqGRI0TstsneZRM3Errp7p1sUVTTg9GOGbK0yylREm2UqHSVqmzsG3a6wWqYUofjbDpy0L"
    "69RQlh+G3XtZDGy5fX3bu7uU3P8eDawaffhwKbn/PRqkv0sp7FU4bjVX2GpG1GqSG1PNJv"
    "AwBPWVicFWDfagp8kSzBhjurJGflhSrRV1NRj0Y5r0VW+UgPjh9qqLoXeRx400T3FI71Qs"
    "Vdt+NbFGIOowSBFuNAdq5p5MivPTXOL8NEOcnyYHuHtsz/W6bXrmjyaG42DgPADnQc2cB8"
    "vphlyPUwLX68J1xmQPI7qFz13Q6Wc2j46PEt3s2RDIdZIAzqYInE3x9u4KApXcuGwiUnA+"
    "JTdUgf4BSK1DykL4W23AKh9WS10reo7uHneSZ+HbR4B0zXjeygDq444aipHqOOpkvkBG0a"
    "nWDjtqKFK2+oLF0ouGXosqB6SjX3A/jdUMVlPNUcj5gsLiqU266pKTCg0aVWXuJoahoowd"
    "RTqMlL+r6EdiajnPrcDW4r5sLUJ+kDLzg9im5SimNWVFYnCHbpyoulCXw1oPYWolsSZzks"
    "pXcP+KJoP9K4H9K3Cx84f2fjpbt5rkJnmotaAnsdHpW7whUQgkoaMp+wlSpU6evYTI1lVl"
    "aerapLAtNdTVT6QjMKXymVLk3LvMMKPc8oMsE0ojJ+a3bz19Cc+8uV8ER+i/X2tq18oQ2F"
    "MxqMGeAnsK7Knv2Z7abb6K2jG33PNOuzj6XzeIqzj7vytDDayP2OBk2CDxocu3RDy+KaEz"
    "YtsGCZ3kBIwSMErAKAGjBIwSMErAKDmomVECKR8rMk4g75ssYJ7ky/tW483JfbFVaFkQ7k"
    "9sjlGwCdKQYbnDXcl9GUBlGrtDR3VWnoxNpgD0ag4yk/+5bSBeUQZjdnvGbI3iFU/zWLKn"
    "fEP2NGXHPuOfxYZ2fZaOgLY6n4HceRiOBreyGNjyXffzpYT/eTSwIjHo/9K9vpSCvx6NTn"
    "8wJCXe//jZfQd+jt618/QdGHST4WngT4GQoELm/O1sfN66OBTkzoZTIUuiBBCfcxE+B39O"
    "Bf6cpUoWY8XWVUGPTpwQfDrg0wGfznYCdyHOsnqTBjmO91GMtOZe1UF2RnO30Q6NmmfE8G"
    "HxdQ+/eeO0720lu+YbOi+qvmJYOj8NB3dsqEOCpLjWJo70l6Rr9h5PUxbMBIqYTA7gfXfb"
    "/jWJPNbor5LClnRwlbxcEDILNWzNDDAqkFmo/JAO1ooQLa3rQjnKXw+++P408iJqoONWX4"
    "KcL+6Q9lvR5VMlvEqIrk1f/kZKg1QfFutFyWdKS3Wfl5ZmWprzFnRlm/oLVU0OTUzxz6Sf"
    "VUexNPtZQS/IcPypS8oxX41YwzF+12SOe0u29CrctuAJrNQTuApSTuUENiLYyvVfDQCX8n"
    "msxv9FE8aax1ftKJIGRgqVkpiU/rIU0iP0lTNwE2SNQDtLeej+OsrW60LdoT+4+xg0Typ7"
    "XOiVubNgZFPPhX9I24RUvFXzIFyfWTJ7/R4DTV6dg/VYDHy5c98b9Trt/qV09Gjc9D7eYF"
    "nyaNx2r3sPt7i3R6M/+HwpneTcS/DE/HHr/CyU8OQhS7gPb9v9PuMOUqJXKcI3CSTImjDs"
    "K7hQgCjiz/gbFAs9iaCdpNsK3DVymxy3cmB93OJCTaoSVwsQLX/limbDdFhBPny5zqJtwg"
    "CvWq7TllYK/mynSYIUcq3Xx0nCiBbVTXuz7SSaEHhcZx5byFxi8EXj7mky2KMV2KN90iys"
    "X2EGLvHb0QZzi9kBzLF6zzGfWb43UnzNTJIDv2vO70DP3Jjj6Q6A53XmuZuhiYQuTRUb4d"
    "85ZVgm/GAyJjEElaW81hROmu8yEplXLHqYVnWfVuH6t9CMFdPkz5xYLPKtbAjt2q1VwuSi"
    "Fp6NwWZ0AHCz4Q52nTcQYxQpSLC6S7AoZmADTseIgdd15/VmGn+cErhcdy6z4ohE+c3qAz"
    "hfd84zA8M2k+mJToD3deY9HK7hq8b7GSgMF89+j1znhYczb7X00okIhfMyacEAZmT88sPI"
    "N4K3UKLUhgMLSZ5KQ9Zfycei2CbpYNimwSX5iMRgpSgA0DSg4dkaMVSTZAAtZyPKvUZFDN"
    "sUHYDLANc9NSYILE0DaxcDVVJfbT76Bg7T1BlSyPhYZsbH5PjdArZC6f5rNoLzgktN3BzA"
    "an4Sx4LA5swFuaeQUqpmDkijs9MFQY0SHzZUDsTW7RzIxs6LFwT3wUb7e9hjLbJJNT4HuJ"
    "GZCuiuW7+SFn0MXvwV0t1Dvy8zHV4A7hpwEz6+/NBSqScKAvwx6KfRCMed1DlwjuzXbSxu"
    "zbuKNLW8Je19Dsb8VDT00rfUC1//eo87aZJdERudumY824q5YuzViae46+POmg2UxkhKAT"
    "jFlhXHUSfzBTKKZk1shx01FqrVVHMU/AOtwjKqTbrq4p4atDDEsMISamx+LQbSwO3jFtm2"
    "OmuQK6PUbJze4sfIvBauivzEa9TqW3LiNSdMA0fnO4NcY1XmGoPkKRUmTxmbU4Y5wU/jEb"
    "SHvFgb5O4g4AknxIoRNWFUV406fi+yDJUBemaWBZoMsixAJvzvOGwzT7AuwnbDRkyPEUIY"
    "fn0ic9M89rxnmzA5TglcrjOXceXcFIxbi9FAwAojAsi7Bl4sBoimgbiq9WFAkfW+lUCVPQ"
    "Q4d5QKPbRi+yKd9rDTvu7KDJEAe6frdvZoKVhgt2k3ru89Ab1ULyW1rcK9JCLYdFl3UYTi"
    "7vRs32n5RbbNleXNMke1cIXnoYRrUnfksGRHR+a7yzOgrbM/Tb7v9rFieq2MBuT+zuDvR+"
    "NT+757N1IGHy6l8M9Ho3PT61+7hcFfuKz9MMREV//BhcGffunQLxo+GtcPn/q9Du7epaaf"
    "qDqvl9ijnG8YxL2pee4KbfHvCm2l7woFv8d36PeAY2llnkZxFzrB0yg0DVhNLFvUVRoEbV"
    "GaBlBdb4tGOhrYomvi9OgJu94W9VVeAHa9kU/P2fXAQgT61iPQ+cZ+mUYsZfUzjNi4T4Bv"
    "xCacENUE3vzuXSZIIoIg6qZSI/ZJw6aRuuAYsmxsaZo6G7AbB9yUcC0dfqND0o7xnQYcey"
    "FB10C8j1pZQzjAG7fi4u3WJUwI7X8MnK+0Gd+A8CmapOX+o9U6Pj5vHR6fXZyenJ+fXhyG"
    "8iNdlcWFq95HIkti+DPstrnaOj0TGd4RRXUDW5YrGdbbur6cPuKK282QIiqvk3RwU/xaqM"
    "Gpx4e+uU49VwMVzdwTkYArDwIgqkF1tdRNdbqB+zlNCIMW4kt2FV9iBWeACuKa94RtzYZt"
    "/rQS0RqzHlRqioNDbw2yaXFYK4/eUH1B01809CozHHpR5UGWP88mzZQX3K6UmBTz1fAGiP"
    "t1EJCyS1+eqF3YYB/e0WGeOA/ciu9TOkxFetgYSSR6a2tEBKeJhO5s1R1kMeIgfxoO7rhu"
    "6YAkaXZrE0f6S9I1uzTlS/7X08qYECyl8Qp/iGbY78lr/12WsymDDQSiGBtSx+mSJ+cO4q"
    "Y06SB5nM42LYYKnOF08ttX6Nd7+HTtRoZdd4edanx8x60cUua4xRUypAocT+B4crUoMUue"
    "JgEfyXojPlRUqzGI6oZuXouIHlZsW3NHplCYuIxlCtFZzTJMoSAzWBVJRcD0+X5MnxpthZ"
    "Vi+CwtzbQ0h+FPwgN3/WEHmrzG7ma5c98b9TrtPkbx0bjpfbzBw/PRuO1e9x5usa73aPQH"
    "ny+lE1lkxB+3zs/CwU4essb58Lbd77NsIct2ilzJzO8ANAfmJR4FbmTe4m3MTcd5oTqTuf"
    "KMGHKFL7ljRFvJi1Mj6X2SR3if8GX3CZxOAnvycpfXkdVsI6iRF5DUDOPc0fMZ94/ksC6T"
    "+/EFz8jn3ovfE7RLPR9PpYdlHS2IJY/NOFrg5qvVzVnpxjcvoyc5ZoAMB9siYUC1/4jHpF"
    "sL+T93ZcLjsWBaCv7tSCj/Z4KsCZkSE3sMuSz64wyL/jht0auTQDoK4MyWp03YLt5+AHFC"
    "yuRFOUHWQKi3v2UWSXBxoJnCuQkwb39EQz7VaiMgxugJ2xBptPkBEBFFofiHmq2GVQc6qE"
    "/Mq874sIcEgPrmqIOfii/Ym+un8pR3sZSjFAl4qOpy4KaBoGa4/dwxuAWfX7OD6+mZmuOe"
    "u+pP2ewprjkO2ewmRid+PxLDUZi6QInvK4zuayrZURjdG2ygrw7WIhy0WDqht3AyVw3Dcy"
    "35LcEtWKlbkGJAXtueImmgZX90lifAJ6nUUfE9Z0nL3jGX2kQE4JCggfBu33GyVN/IKTMR"
    "k5Iiqf4oQ4OsSt6l8PmS9EbUFR5i+NS9u+7dfZTFOBCQXUr+H4/GMCgZUiUj93H0aHxo9/"
    "rd60vJ+1/eRA7lCzTMiDNMbUp4a69ItBVNUl2M1WGt11IqKjah0aRwzfasMMjhCpc6X+Gi"
    "q+QqRMtiGaf8m+biVE3YQM3iaRlXzYHzki/Smuu8tElePnGWU2QgTessTcGT2sTUOjXDt7"
    "jTT+yOoVc0npvmM6HXXlDxi+M/e/1de93liV6t2wq1k4BKHzaZ4SQNqg6y3KM+G+EYY7Oc"
    "nStLyNHpN2+gF651mCvqkTTLuKqHkcIFYY1bLI9FSNFAmI9aF3mcOK2LjNTLF6l4vBf2DX"
    "Z8d2dEUY/ELeR9jUncggwCj2jaIoqqwqi9QJbvbdAeeAL4kqe5noDVcroh1+OUwPW6cJ3h"
    "IAhtglQ8xTqbC2ytOthaIWx8m4tGdq3tlTCh11ph8sBAkqvpSE+mJZn4ye/pUproKp7e0w"
    "MJq5q4w6mkGlNJN2f49+CGkubYkvlqHGBF6BnhOsmLjpHQQtX098nNu1JfxEwC+hqZrO57"
    "U3lAM8NswMSs0sSEYI+S7+iAiAOIOICIA4g4WKcE7aEKnLZ8wpxSE6wnCcyiFB3slTHzUH"
    "kgjc0pI8UIP6IjRQhBHeJBHdOVpXppvESWhwQVDOv0sIYoJYhSqptVsJ9eqjy+Sd9LsRHf"
    "k7Sgi9VZF3NdL2LhSjQJpKhkrFWBr08I1TgR4Lo+DIxyIBaMA6OiZ/YM4ryRYPHRtf4+MM"
    "8jWxzZ1OHNhuJLy8Q6na5tI0ubzGVW/j2v5iAz917UBsLF9klqHmT48rFuZgumcaNIGujP"
    "b52e5okaOz3lB42RuoSTGE8qAYT95g1Et5S7BfAbHeYCxQ8Xo0jgdKxgZJhAAMP2F7Nv/w"
    "cNCbDT"
)
