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
    "eJztXW1z2zYS/isc3pd2zs048lvOd3MzsqwkamUrY8lNr3GHQ0mwxDNFqiRlx9f2vx8Avo"
    "EkQBGiRFHMfklMEgtSD4DFPovF4g91YU+R6b5pL42f0Kt6qfyhWvoC4T9ST44UVV8u4/vk"
    "hqePTVpUXxraE3qlN/Wx6zn6xMP3H3XTRfjWFLkTx1h6hm2R0m3FtK3ZD6bxjKbKxEFTZH"
    "mGbiqPtqMYlodmjk6Kuv9U3Ln9Yim2NcG1uJ6Niyq6q+jK8GP7h9bZuTLX3fkb8tKpPcFv"
    "NazZjupfWcbvK6R59gx5c+Tgt3z5Dd82rCn6itzwcvmkPRrInCZgNKakAnpf816X9F7P8t"
    "7TguTTx9rENlcLKy68fPXmthWVxt9M7s6QhfCXI1K956wIsNbKNIM2CLH2vzQu4n8iIzNF"
    "j/rKJM1DpP0PiO+pmnY7GGnD7kjT1EzThRIM2sGtCcYTNzv+VJf++hn5hB9ab08vTt+dnJ"
    "++w0XoZ0Z3Lv7yXx0D4wtSeG5H6l/0ue7pfgmKcQwq/T8Da2euO3xcw/IpZPEnp5ENccyD"
    "NrwRYxv39CrAXehfNRNZM2+OL98eH+dA+XP7rvOxffcdLvU9eaWNh6Y/Zm+DRy3/GcE7xn"
    "fpoEfjqwzCsUQTMT4vAvG5GOHzNMBYW2pEu8hAzMpsB+T96ogExOenBSA+PxVCTB4lIcaa"
    "n0Ch6V4W5Gv8xDMWiA90UjIF9TQQfRP+cYi9G//A6cAyX4Mmz4F+1LvpDkftm0/kdQvX/d"
    "2k+LVHXfKkRe++pu5+lx4JUSXK597oo0IulV8Ht10Kr+16M4e+MS43+lUl36SvPFuz7BdN"
    "nzK9M7wbopZodVN3PW3lbtTuadkttHzwyXVp+ANp6BCT3JZ20LP9tFE7JyWhlevcyng4Op"
    "qUDc1IrDekD0FZb8GWJuzk8YlrShO4sui+x2TImFmY+VGQe/iLdEyTOKAGNPE+qObAwP0r"
    "7D3h3Xg0O/pLROfYToV/O/7FyPOttfaw077uqhThsT55etGdqZaAmjyxW3bqTlQ2+2jRWq"
    "Tv6JY+o+CQX0G+OUD9g2OvliqHtfsPjvJI+4wUKUbZxXACMQZiXBdod0+LgVKI0W8WpchM"
    "mGL9zuhetBgjx50bvlpN9o+rQPj9T3fIpA5I8WRKtfcNre0Au4JoTk0MJXdikz5RHqYhqa"
    "ipKOmui60wrDc8Y/KEvJJ4jWglB8tnslDt3LQKxqDIwIqH6BozSwtUw/atrS/+C+giBTHB"
    "fwPza4/ml9/YUtCyIsBXI4zBA1CZByBSICVdABHnPDB4i/oA2JHKdwKkuy34VQ7Zr+Jblq"
    "K5P7I71039saW7PjRiYCGFlleQ5Tmvl4qudHCjz2zn9UixHeZS+bsywj3ljdLz0MJVLPSM"
    "8OPHRzTxghq+G37qdpS332cDJHb2lnz7ZBJUSjEivRxslX3aKmFzyM2tKSmYXzkWC1iB28"
    "eUPJeDlJHYCNGakWAwAmthsMgZgeyUVxLYDlNVQ7FNzS0JeO+6w9FdrzNSM1phC9j6jrHR"
    "ayFHYs30QlFwGXUoAHY/pvYQuS7+ySP7CVkqx9hOPM81t12/JDY/cVGJWOSZYSmB7BuFLG"
    "Eo2HiNYoDtR3o5RrqDbV9at2K4QbgwP/i4bIWwqFovS5m2kXS4ZlKqcQus2w/YRF+XhoPc"
    "DVZXk5INXF09kNXUQhFdsIguHmHNWkQHLz7E8dXMCq6pv5mizjF+w9YQG73kB0EQX7PsTb"
    "TQDVPG1IwEGmdlts6KmJm4lNDOpM+ShibsHozxLRQm2coJk2xlwyQd2xTg27VWi8xElNyb"
    "EcjuCutMV1bvh907VQ5stX1907u9VOh/DxY2jd6/v1Tofw8Wqe9SiWqVjlstFLaaE7Wabo"
    "2p4RJ4OIr6ysZg6xa/07NiqcYYY7ld9fzoTrUs6mow6Ccs6aveKAXx/c1VF0NPkceFDN9w"
    "yK5ULHXXfbGxRSDrMMgIbjQGauaeTKvzs0Lq/CxHnZ+lOzjdtke9bpvu+WOFYTsYOA/AeV"
    "Az58FyumGrJyWh1evS6pzBHkV0S++7YNPPbB4dHye6ObAuUGgnAexNkdib4q/dlQQqvXDZ"
    "RKRgf0phqEL7A5Bah5SD8Le6gFUxrJamUXYf3R2upMjEd4gAmYb1tJUO1McVNRQj3fP0yX"
    "yBrLJDrR1V1FCkXP0Zq6VnA72UNQ5IRT/jehprGaymhqeR/QWl1VObVNUlOxUa1Kt2uZoY"
    "hYpyVhTZMFLxqmIQiWkU3LcCS4uHsrQI+UF2mR/EtR1Ps50pLxJD2HWTQtWFuhzXugszM4"
    "kzmZNUvpLrV6wYrF9JrF+Bi13ctQ/T2brVJDfpTa0lPYmNTt/id4lSIEltTTlMkCp18hwk"
    "RK6pa0vbNCaludTQ1D+RioBKFaNSZN+7yqFR9P5RHoUyyI757bOnL9GeN/pFsIX+22VT+z"
    "aGgE8loAY+BXwK+NS3zKf2m6+ido272/1O+9j6XzeIq9j7vy+iBuwj0Tk5HCTZdcVMxG83"
    "LXJGbJuQsElOgJQAKQFSAqQESAmQEiAlRzUjJZDysSJyAnnfVAl6UizvW40XJw+Fq7C6IF"
    "qf2ByjcBGkId1yj6uSh9KBdkl2h57urXwdm04B6D85yk3+R8tAvKIKZHZ7ZLZG8YpnRZjs"
    "mZjInmV47BP+WXxo12fpCGWr8xmonfvhaHCjyoGt3nY/Xyr4nwcLGxKD/s/d60sl/OvB6v"
    "QHQ3LH/x9f03fg6/hde0/fgUG3OZ4G8RCIBCpsnL+djy9a744lW2fDoZCnUUKIL4QIX4A/"
    "pwJ/zlInk7HmmrqkRycpCD4d8OmAT2c7gbsQZ1k9pUGe538UJ625/+goP6M5LbRHUvOEOD"
    "4sse0RFG+c9b2tZNdiovOsmysO0/lxOLjlQx0JpNW1MfGUPxXTcA94mPJgJlAkdHII73c3"
    "7V/SyGOL/iqtbEkFV+nDBSGzUMPmzBCjEpmFdh/SwZsR4ql1XSjH7ueDL4E/jbyI6ei41J"
    "cw5wvt0kEp9v5Ui44SYp9mD38jd8NUHw7vRelrxkql10vHsB3Dew2rcm3zmXlMNk1M8c9k"
    "r3VPcwz3SUPPyPKCoUvu43a1EgXH+F2TOa4tXdJ/QMuCJ7BST+AqTDlVENhYYCvHfzUAXM"
    "bnsRr/F004c57YtGNEGhgptJPEpOyXZZAeoa+CjpsSawTaecZD95dRvl0X2Q79we2HsHja"
    "2BNCr829BSebeiH8I9kmpOKtug2i+Zmns9evMbDi1TlYT+TAVzt3vVGv0+5fKm8frI+9Dx"
    "+xLnmwbrrXvfsbXNuD1R98vlROC64l+Gr+pHVxHml4cpGn3Ic37X6fcwYpsas06ZMEUmJN"
    "6PYVHChADPEn/A2agx5l0E7LbQXuGrlNTloFsD5pCaEmj1JHCxArf0VVs2V7vCAfsV7nyT"
    "ahg1et11mmlYE/32mSEoVc6/VxknCiRU3b3Ww5iRWENq5zGzvIXmLwZePuWTFYo5VYo300"
    "HGxf4QZc4rejDcYWtwIYY/UeY0FjBd5I+TkzLQ7tXfP2Du3MjVs8WwG0eZ3bnGZoIqFLU8"
    "1F+HdOOcxEHEzGFYagsozXmsHJCFxGMuOKJw/Dqu7DKpr/Foa14lL+3IHFE9/KgtC+3Vo7"
    "GFzMxLMx2JwKAG4+3OGq8wZqjBEFDVZ3DRbHDGzQ0glhaOu6t/VmFn9SElq57q3MiyOSbW"
    "9eHdDydW95bmDYZjo9VQm0fZ3bHjbXiE3jwwwUhoNnv8VWF4WHc0+19NOJSIXzcmWBAHMy"
    "fgVh5BvBWypRasOBhSRPO0M2mMnHstim5aDbZsEl+YjkYGUkANAsoNHeGjlU02IArWAhih"
    "6jIodtRg7A5YBLd41JAsvKwNzFQZU8rzYffQO7aWYPKWR83GXGx3T/3QK2Uun+a9aDi4LL"
    "DNwCwBpBEseSwBbMBXmgkDKmZgFI473TJUGNEx82VA8k5u0CyCb2i5cE995Fh7vZYy2yaT"
    "O+ALgxTQV0181faUafgBd/hXJ73++rXIcXgLsG3JSPrzi0TOqJkgB/COtpNMJJJ3UBnGP+"
    "uo3JrXlHkWamtzTfF2AsTkXDTn1Ls/Txr3e4kibxikTvNA3rydXsFWetTj7FXR9X1mygDE"
    "5SCsApMa14nj6ZL5BVNmtiO6qosVCtpoan4R/olNZRbVJVF9fUoIkhgRXWUGP7azmQBrSO"
    "G+S6+qxBroydZuP0Jz9O5rVoVhQnXmNm3x0nXvOiNHBsvjPINVZlrjFInlJh8pSxPeXQCX"
    "Eaj7A85MXaIHcHAU86IVZCqAm9umrU8XuRY+kc0HOzLLBikGUBMuF/w2GbRYJ1EeYNGzV6"
    "QhDC8OsTmZttY997tkkjJyWhlevcyvjh3JaMW0vIQMAKJwLIPwZeLgaIlYG4qvVhQDF730"
    "qgygECXDhKhe1aiXWRTnvYaV93VY5KgLXTdSt7rBYssdq0H9f3gYC+Uy8ls6wiPCQiXHRZ"
    "d1CERld6tu+0/KK69srxR5mnO/iB76GEY1L35LDkR0cWO8szlK2zP0296/axYXqtjQbk/M"
    "7w7wfrU/uuezvSBu8vlejPB6vzsde/pjfDv/C99v0QC139B98M/wzuDoNbwwfr+v5Tv9fB"
    "1VNp9op55teSuFSLdYOkN7XIWaEt8VmhrexZoeD3+Ab9HrAtbZe7UehEJ7kbhZUB1sTjot"
    "RokOSirAygup6LxjYacNE1cXrsgF3PRQOTF4BdT/LZMbseWIhA33oEupjs75LEMqyfQ2KT"
    "PgExiU05IaoJvPnNP0yQRARB1E2lJPbRwNRIXwiILB9bVqbOBHbjgJsdHEuH3+iRtGNip4"
    "GAL6TkGoj321ZeFw7xxqWEeNNnKQph/I+D85UxExOIQKJJVu4/Wq2Tk4vW8cn5u7PTi4uz"
    "d8eR/sg+ymuFq94HoksS+HN421xvnZ3LdO9YorqOraqVdOttHV/ObnHF5WZIk9XXaTk4KX"
    "4t1ODUE0PfXKcetUBlM/fEIuDKgwCIalBdLU1bn27gfs4KQqeF+JJ9xZc44R6gkrgW3WFb"
    "s25bPK1EPMesB5UZ4uDQW4NsVh3WyqM31J/R9GcDvagch1788CjPn+eSYtozLreTmBT7xf"
    "I7CP06CEjZpy9Plhc22If39rhInAcuJfYpHWciPVyMJJI9tTUWgt1EUme2mh5yOHGQPw4H"
    "t0K3dCiSpt3GxFP+VEzD3Znxpf7rcWVNCJbKeIU/xLDcN+S1/96VsymnGQhEiWbIbKdL75"
    "w7SlJpUkF6O51rOxwTOMfpFJSv0K93/+maRoZdd4edanx8J60CWuakJVQy5BE4nsDxRK0o"
    "OSbPioCPZD2JjwzVaghR3dAtyojYbsXnmnuiQlHiMh4VYrOa5VChMDNYFUlFgPp8O9SnRk"
    "thOyE+S8ewHcPj+JNwx12/2YEVr7G7We3c9Ua9TruPUXywPvY+fMTd88G66V737m+wrfdg"
    "9QefL5VTVabHn7QuzqPOTi7y+vnwpt3v87iQ43pljmQWVwCWA/cQjxInMm/xNOam47zQvc"
    "lce0IcvSLW3AmhreTFqZH2Pi2ivE/FuvsUdicBn7zc53FkNVsIauQBJDXDuHD0fM75IwXY"
    "ZXo9vuQe+cJr8QeC9k73xzPpYXlbCxLJY3O2FtB8taY92zn5FmX0JNsMkOVhLhIFVAeXuE"
    "/Sp5D/c18UHvcF29Hwb0dS+T9TYk3IlJhaYyjE6E9yGP1JltHrk1A7SuDM16dNWC7efgBx"
    "SssURTkl1kCot79kFmtweaC5yrkJMG+/R0M+1WojIMboEXOILNriAIhYolT8Q81mw6oDHf"
    "RH7lFnYtgjAUB9c9TBTyVW7M31U/nGu1zKUUYEPFR12XDTQFBz3H60D27B59fs4Hp2pBY4"
    "5676XTYHimuBTTb7idFJno/EcRRmDlAS+wrj85p27CiMzw220FcPWxEeWiy9yFs4meuW5b"
    "uWgpLgFqzULcg0QFFuz4g0kNm/PS8S4JM26pj4nvM0s/fspTGRATgSaCC823ecLPVXsstM"
    "hlIyItVvZWgQqxQdCl8sSW8sXeEmhk/d2+ve7QdVrgVCsUsl+OPBGoZ3hsydEb0cPVjv27"
    "1+9/pS8f9XN9FDxQINc+IMM4sS/twrE23FilQXY3Vc67mUiYpNWTQZXPM9KxxxOMKlzke4"
    "mDo5CtFxeORUfNJcUqoJC6h5bbqLo+bAeSlWac11XrokL598kzNioE3rrE3Bk9rE1Do1w7"
    "e800/ujKEXNJ7b9hORN55R+YPjP/v1XfvVFYlerdsMtZeAyi45r3qEDWuML9dVmixwlOcq"
    "pWdfa15Qdo87G/ftR6rRRo5teZHEflF3Nf4vmnBUp9jQZ0Qa4bir2sz3MLIyeIflAewNwJ"
    "Y9L73UUenfOtir5XRDApuUBAJbY4YTGTWZBeHql4oDs5Fn+YSPcm2ewIyFNA7NWuxdOVIL"
    "vUHxRqj89DGFhXZ9kGI5RxVyUtihicPj2zl5vCKJBsL8tvWuyCJW613O0RPvMvsRnvkn+I"
    "qXe2OJeiSuI+9rTOI6ZBF4ZNM2MlIV7loIdfnBblqAlZCmGZJFVkKAPjSt1bdAH+LuAb7m"
    "vfqa07CJOReL7FrulVpCWMvC1IGFFGrpKI+2o9j4KqjpUpmYOh7e0yMFm5q4wqmiW1PFtG"
    "f49+CCiuG5iv1iHWFD6AnhZ4ofHaxQz/cbNQX9Tl/ETYL+ElNW+t5MHvTcMGOgmFVSzH0v"
    "Uux7Ptr5GWUQcQkRlxBxCRGX64ygAzSBs8wnyqk5wXaSxCjKyEGsEDcPpw/S2J5yUqyJ1w"
    "IzghDUKr8mOF05up/GVGZ6SElBt852a4jShijturGCw/RSFfFNBl6Kjdo9LQu2WJ1tMep6"
    "kQvXZkUgRTdnrgp9fVKoJoUA1/Vh8IwDsWQcPBM9c2AQF42ET/au9eeh+h7Z8shmklc0FF"
    "9WJ9Ypu0gbOcZkrvLyD/tPjnJzD8dlIFzskLTmUY4vH9tmrmQaW0akgf781tlZkaixszNx"
    "0Bh5lnIS40ElgXBQvIHo7uRsJfxGjztBicPFGBHIDiIZGbbX+Oe//g8zSo/v"
)
