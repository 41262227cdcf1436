-- Customers per risk band and probability bin (40 bins of width 0.025), over every customer.
with

scores as (
    select * from {{ ref('customer_scores') }}
),

binned as (
    select
        risk_band,
        least(floor(decline_probability * 40), 39) as probability_bin
    from scores
),

histogram as (
    select
        risk_band,
        cast(probability_bin as integer) as probability_bin,
        probability_bin / 40 as bin_lower,
        (probability_bin + 1) / 40 as bin_upper,
        count(*) as customers
    from binned
    group by risk_band, probability_bin
),

ordered as (
    select *
    from histogram
    order by risk_band asc, probability_bin asc
)

select * from ordered
