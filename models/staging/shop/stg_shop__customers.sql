{%- set corrections = shop_value_corrections() -%}

with

source as (
    select * from {{ shop_delivery('market_file') }}
),

renamed as (
    select
        ---------- ids
        cast(id as integer) as customer_id,
        ---------- target
        {{ shop_flag('"Покупательская активность"', 'activity') }} as activity_declined,
        ---------- categories
        {{ map_values('"Тип сервиса"', corrections['Тип сервиса']) }} as service_tier,
        {{ shop_flag('"Разрешить сообщать"', 'consent') }} as allow_offers,
        {{ map_values('"Популярная_категория"', corrections['Популярная_категория']) }}
            as favourite_category,
        ---------- as delivered, before the corrections (quality.data_defects counts them)
        trim("Тип сервиса") as service_tier_as_delivered,
        trim("Популярная_категория") as favourite_category_as_delivered,
        ---------- numerics
        cast("Маркет_актив_6_мес" as double) as marketing_contacts_6m_avg,
        cast("Маркет_актив_тек_мес" as integer) as marketing_contacts_current_month,
        cast("Длительность" as integer) as tenure_days,
        cast("Акционные_покупки" as double) as promo_purchase_share,
        cast("Средний_просмотр_категорий_за_визит" as integer) as categories_per_visit,
        cast("Неоплаченные_продукты_штук_квартал" as integer) as unpaid_items_quarter,
        cast("Ошибка_сервиса" as integer) as service_errors,
        cast("Страниц_за_визит" as integer) as pages_per_visit
    from source
)

select * from renamed
